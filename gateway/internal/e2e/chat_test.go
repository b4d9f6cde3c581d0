package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// TestConsentMethodRecorded: how the user gave consent (window, terminal,
// flag, or nothing from an older client) is on the session and in its
// session.join audit entry.
func TestConsentMethodRecorded(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	for _, method := range []string{wire.ConsentWindow, wire.ConsentTerminal, wire.ConsentFlag, ""} {
		ticket, inv := g.ticketAndInvite(admin, "shell")
		a := joinProto(t, g, inv.Code, method, "shell")
		g.waitSession(admin, ticket, "connected")
		var s struct{ Consent string }
		g.must(200, "GET", "/api/v1/sessions/"+a.welcome.SessionID, admin, nil, &s)
		if s.Consent != method {
			t.Errorf("session consent = %q, want %q", s.Consent, method)
		}
		var es []struct {
			Action    string
			SessionID string `json:"session_id"`
			Details   map[string]any
		}
		waitFor(t, "the session.join entry", func() bool {
			g.must(200, "GET", fmt.Sprintf("/api/v1/audit?ticket=%d&action=session.join", ticket), admin, nil, &es)
			return len(es) > 0
		})
		if len(es) != 1 || es[0].Details["consent"] != method {
			t.Errorf("session.join audit for %q: %+v", method, es)
		}
	}
}

// TestChatBothWaysSealedAndVerified: the technician's message reaches the
// agent with the technician's name; the user's (escape sequences and all)
// is recorded clean; the transcript lists both in order with their
// senders, is sealed at the end and verifies, and stops verifying when a
// stored row is changed.
func TestChatBothWaysSealedAndVerified(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	alice := g.addUser(admin, "alice", "technician")
	auditor := g.addUser(admin, "audrey", "auditor")
	ticket, inv := g.ticketAndInvite(alice, "shell")
	a := joinProto(t, g, inv.Code, wire.ConsentWindow, "shell")
	g.waitSession(alice, ticket, "connected")
	id := a.welcome.SessionID
	chatPath := "/api/v1/sessions/" + id + "/chat"

	var sent chatMsg
	g.must(201, "POST", chatPath, alice, map[string]string{"text": "Hello, I am looking at your printer."}, &sent)
	if sent.Sender != "technician" || sent.Author != "alice" || sent.Seq != 1 {
		t.Errorf("posted message = %+v", sent)
	}
	got := a.nextChat()
	if got.Text != "Hello, I am looking at your printer." || got.From != "Alice" || got.ID != sent.ID {
		t.Errorf("agent got %+v", got)
	}
	if !a.request(wire.RequestChat, wire.ChatMessage{Text: "thanks\x1b[2J \u202eit smokes", From: "admin"}.Marshal()) {
		t.Fatal("the gateway refused the user's chat message")
	}
	var c chatResp
	g.must(200, "GET", chatPath, auditor, nil, &c) // auditors read the transcript
	if len(c.Messages) != 2 || c.Messages[0].Sender != "technician" || c.Messages[1].Sender != "user" ||
		c.Messages[1].Author != "carol" || c.Messages[1].Text != "thanks[2J it smokes" || c.Messages[1].Seq != 2 {
		t.Fatalf("transcript = %+v", c.Messages)
	}
	if c.Seal != nil || !c.Verified {
		t.Errorf("live transcript: seal %+v verified %v, want no seal and verified", c.Seal, c.Verified)
	}
	// Bob acts on no ticket of his: he may read, not speak or ask.
	bob := g.addUser(admin, "bob", "technician")
	if code, _ := g.req("POST", chatPath, bob, map[string]string{"text": "hi"}); code != 403 {
		t.Errorf("another technician's chat: %d, want 403", code)
	}
	if code, _ := g.req("POST", "/api/v1/sessions/"+id+"/asks", bob, map[string]any{"scopes": []string{"screen"}}); code != 403 {
		t.Errorf("another technician's ask: %d, want 403", code)
	}
	if code, _ := g.req("POST", chatPath, alice, map[string]string{"text": strings.Repeat("x", wire.MaxChatText+1)}); code != 400 {
		t.Errorf("too long chat: %d, want 400", code)
	}
	if code, _ := g.req("POST", chatPath, alice, map[string]string{"text": " \x1b "}); code != 400 {
		t.Errorf("empty chat: %d, want 400", code)
	}

	g.must(204, "DELETE", "/api/v1/sessions/"+id, alice, nil, nil)
	g.waitSession(alice, ticket, "ended")
	// The seal is written before the end is: it is there once the row says ended.
	g.must(200, "GET", chatPath, auditor, nil, &c)
	if c.Seal == nil || c.Seal.Messages != 2 || len(c.Seal.SHA256) != 64 || !c.Verified {
		t.Fatalf("ended transcript: seal %+v verified %v", c.Seal, c.Verified)
	}
	code, body := g.req("POST", chatPath, alice, map[string]string{"text": "still there?"})
	if code != 409 || !strings.Contains(string(body), `"session_not_connected"`) {
		t.Errorf("chat to an ended session: %d %s, want 409 session_not_connected", code, body)
	}
	// Someone with the disk rewrites what the user said.
	execDB(t, g, `UPDATE chat_messages SET text = 'all good' WHERE session_id = ? AND seq = 2`, id)
	g.must(200, "GET", chatPath, auditor, nil, &c)
	if c.Verified || c.Messages[1].Text != "all good" {
		t.Errorf("tampered transcript: verified %v text %q", c.Verified, c.Messages[1].Text)
	}
	// Put the text back: it verifies again. Then move a message's time,
	// which only the seal covers.
	execDB(t, g, `UPDATE chat_messages SET text = ? WHERE session_id = ? AND seq = 2`, "thanks[2J it smokes", id)
	g.must(200, "GET", chatPath, auditor, nil, &c)
	if !c.Verified {
		t.Fatal("restored transcript does not verify")
	}
	execDB(t, g, `UPDATE chat_messages SET at = at + 1000 WHERE session_id = ? AND seq = 1`, id)
	g.must(200, "GET", chatPath, auditor, nil, &c)
	if c.Verified {
		t.Error("a transcript whose times changed still verifies")
	}
}

// TestAskGrantsOnlyWhatWasAsked: the technician asks for scopes not
// granted; the agent gets the ask; a forged answer to an ask never made
// is refused, an answer naming more than was asked grants only the asked
// part, a second answer is refused; the granted scope opens a shell.
func TestAskGrantsOnlyWhatWasAsked(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "diagnostics", "shell", "screen")
	a := joinProto(t, g, inv.Code, wire.ConsentTerminal, "diagnostics")
	g.waitSession(admin, ticket, "connected")
	id := a.welcome.SessionID
	asksPath := "/api/v1/sessions/" + id + "/asks"

	if code, _ := g.req("POST", asksPath, admin, map[string]any{"scopes": []string{"diagnostics"}}); code != 400 {
		t.Errorf("ask for a granted scope only: %d, want 400", code)
	}
	var ask askResp
	g.must(201, "POST", asksPath, admin, map[string]any{"scopes": []string{"shell", "diagnostics"}, "reason": "to restart the spooler"}, &ask)
	if ask.State != "pending" || !slices.Equal(ask.Scopes, []string{"shell"}) {
		t.Fatalf("ask = %+v", ask)
	}
	n := a.nextAsk()
	if n.ID != ask.ID || !slices.Equal(n.Scopes, []string{"shell"}) || n.Reason != "to restart the spooler" || n.Technician == "" {
		t.Fatalf("agent got ask %+v", n)
	}
	if a.request(wire.RequestAnswer, wire.AnswerNotice{AskID: "a_forged", Allowed: []string{"screen"}, Via: "window"}.Marshal()) {
		t.Error("an answer to an ask never made was taken")
	}
	if !a.request(wire.RequestAnswer, wire.AnswerNotice{AskID: ask.ID, Allowed: []string{"shell", "screen", "control"}, Via: "window"}.Marshal()) {
		t.Fatal("the answer was refused")
	}
	if a.request(wire.RequestAnswer, wire.AnswerNotice{AskID: ask.ID, Allowed: []string{"screen"}, Via: "window"}.Marshal()) {
		t.Error("a second answer was taken")
	}
	var s session
	g.must(200, "GET", "/api/v1/sessions/"+id, admin, nil, &s)
	if !slices.Equal(s.Granted, []string{"diagnostics", "shell"}) {
		t.Fatalf("granted after the answer = %v, want diagnostics, shell", s.Granted)
	}
	var asks []askResp
	g.must(200, "GET", asksPath, admin, nil, &asks)
	if len(asks) != 1 || asks[0].State != "answered" || !slices.Equal(asks[0].Allowed, []string{"shell"}) || asks[0].Via != "window" {
		t.Fatalf("asks = %+v", asks)
	}
	ws, resp, err := g.dialShell(admin, id, 80, 24, "")
	if err != nil {
		t.Fatalf("shell after the ask: %v %v", resp, err)
	}
	ws.Close()
	var es []struct{ Details map[string]any }
	g.must(200, "GET", fmt.Sprintf("/api/v1/audit?ticket=%d&action=scope.grant", ticket), admin, nil, &es)
	if len(es) != 2 || es[1].Details["ask_id"] != ask.ID || es[1].Details["via"] != "window" {
		t.Errorf("scope.grant entries = %+v", es)
	}

	// A client that cannot ask: 409 ask_refused, and the ask is cancelled.
	a.askReply = false
	code, body := g.req("POST", asksPath, admin, map[string]any{"scopes": []string{"screen"}})
	if code != 409 || !strings.Contains(string(body), `"ask_refused"`) {
		t.Errorf("refused ask: %d %s, want 409 ask_refused", code, body)
	}
}

// TestRatingOnce: the client rates its session with the Welcome's token,
// once; a wrong token and an unknown session get the same 401; a session
// ended more than 24 hours ago can no longer be rated.
func TestRatingOnce(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	a := joinProto(t, g, inv.Code, wire.ConsentWindow, "shell")
	g.waitSession(admin, ticket, "connected")
	id, token := a.welcome.SessionID, a.welcome.FeedbackToken
	if len(token) < 40 {
		t.Fatalf("feedback token %q", token)
	}
	g.must(204, "DELETE", "/api/v1/sessions/"+id, admin, nil, nil)
	g.waitSession(admin, ticket, "ended")

	post := func(f wire.Feedback) (int, string) {
		b, _ := json.Marshal(f)
		code, body := g.req("POST", wire.FeedbackPath, "", b)
		return code, string(body)
	}
	code, wrong := post(wire.Feedback{SessionID: id, Token: token + "x", Rating: 5})
	code2, unknown := post(wire.Feedback{SessionID: "s_nope", Token: token, Rating: 5})
	if code != 401 || code2 != 401 || wrong != unknown {
		t.Errorf("wrong token %d %s / unknown session %d %s: want the same 401", code, wrong, code2, unknown)
	}
	if code, body := post(wire.Feedback{SessionID: id, Token: token, Rating: 4, Comment: "quick\x1b[31m and kind"}); code != 204 {
		t.Fatalf("rating: %d %s", code, body)
	}
	if code, body := post(wire.Feedback{SessionID: id, Token: token, Rating: 1}); code != 409 || !strings.Contains(body, `"already_rated"`) {
		t.Errorf("second rating: %d %s, want 409 already_rated", code, body)
	}
	var s struct {
		Rating *struct {
			Score   int
			Comment string
		}
	}
	g.must(200, "GET", "/api/v1/sessions/"+id, admin, nil, &s)
	if s.Rating == nil || s.Rating.Score != 4 || s.Rating.Comment != "quick[31m and kind" {
		t.Errorf("session rating = %+v", s.Rating)
	}

	// Another session, ended 25 hours ago.
	ticket2, inv2 := g.ticketAndInvite(admin, "shell")
	b := joinProto(t, g, inv2.Code, wire.ConsentWindow, "shell")
	g.waitSession(admin, ticket2, "connected")
	g.must(204, "DELETE", "/api/v1/sessions/"+b.welcome.SessionID, admin, nil, nil)
	g.waitSession(admin, ticket2, "ended")
	execDB(t, g, `UPDATE sessions SET ended_at = ? WHERE id = ?`, time.Now().Add(-25*time.Hour).UnixNano(), b.welcome.SessionID)
	if code, body := post(wire.Feedback{SessionID: b.welcome.SessionID, Token: b.welcome.FeedbackToken, Rating: 3}); code != 409 {
		t.Errorf("rating after 24 h: %d %s, want 409", code, body)
	}
}

// waitFor polls cond (a read of the API) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChatAndAskEvents: the event stream carries chat messages (both
// ways) and asks (created, answered) to those who may read the session.
func TestChatAndAskEvents(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	auditor := g.addUser(admin, "audrey", "auditor")
	ticket, inv := g.ticketAndInvite(admin, "diagnostics", "shell")
	a := joinProto(t, g, inv.Code, wire.ConsentWindow, "diagnostics")
	g.waitSession(admin, ticket, "connected")
	id := a.welcome.SessionID
	ev := g.openEvents(t, auditor)
	if !a.request(wire.RequestChat, wire.ChatMessage{Text: "can you see it?"}.Marshal()) {
		t.Fatal("chat refused")
	}
	got, ok := ev.until(t, "chat")
	var m chatMsg
	if !ok || json.Unmarshal([]byte(got[len(got)-1][1]), &m) != nil || m.Sender != "user" || m.Text != "can you see it?" || m.SessionID != id {
		t.Fatalf("chat event: %v", got)
	}
	var ask askResp
	g.must(201, "POST", "/api/v1/sessions/"+id+"/asks", admin, map[string]any{"scopes": []string{"shell"}}, &ask)
	got, ok = ev.until(t, "ask")
	var x askResp
	if !ok || json.Unmarshal([]byte(got[len(got)-1][1]), &x) != nil || x.ID != ask.ID || x.State != "pending" {
		t.Fatalf("ask event: %v", got)
	}
	a.nextAsk()
	if !a.request(wire.RequestAnswer, wire.AnswerNotice{AskID: ask.ID, Allowed: []string{"shell"}, Via: wire.ConsentWindow}.Marshal()) {
		t.Fatal("answer refused")
	}
	got, ok = ev.until(t, "ask")
	if !ok || json.Unmarshal([]byte(got[len(got)-1][1]), &x) != nil || x.State != "answered" || !slices.Equal(x.Allowed, []string{"shell"}) {
		t.Fatalf("answered ask event: %v", got)
	}
}
