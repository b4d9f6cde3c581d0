package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/gateway/internal/screenrec"
	"github.com/tetherhq/tether/gateway/internal/server"
)

// shellEnd reads a shell WebSocket until the gateway closes it and returns
// the reason of its "exit" message. It fails the test if the shell stays
// open for 15 s.
func shellEnd(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	reason := ""
	for {
		typ, p, err := ws.ReadMessage()
		if err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				t.Fatalf("the shell is still open 15 s after the right went")
			}
			return reason
		}
		if typ == websocket.TextMessage {
			var m struct{ Type, Reason string }
			if json.Unmarshal(p, &m) == nil && m.Type == "exit" {
				reason = m.Reason
			}
		}
	}
}

// auditHas waits until the ticket's audit has an entry with action whose
// details contain every key/value of want.
func (g *gw) auditHas(t *testing.T, auditor string, ticket int64, action string, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var es []struct {
		Action  string
		Actor   string
		Details map[string]any
	}
	for time.Now().Before(deadline) {
		g.must(200, "GET", fmt.Sprintf("/api/v1/audit?ticket=%d", ticket), auditor, nil, &es)
	next:
		for _, e := range es {
			if e.Action != action {
				continue
			}
			for k, v := range want {
				if !strings.Contains(fmt.Sprint(e.Details[k]), v) {
					continue next
				}
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("audit of ticket %d has no %s entry with %v; entries: %+v", ticket, action, want, es)
}

// TestOpenShellEndsWhenTheRightGoes: a technician's open shell ends, with a
// reason the technician reads and an audit entry, the moment the
// technician is disabled, loses the ticket, changes role, signs out, is
// signed out by an admin or has the password reset. Before continuous
// authorization the shell kept running in every one of these cases.
func TestOpenShellEndsWhenTheRightGoes(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	auditor := g.addUser(admin, "audrey", "auditor")
	g.addUser(admin, "bob", "technician")

	cases := []struct {
		name  string
		lose  func(tech string, ticket int64)
		cause string
	}{
		{"disabled", func(_ string, _ int64) {
			g.must(200, "PATCH", "/api/v1/users/t-disabled", admin, map[string]any{"disabled": true}, nil)
		}, "your account was disabled"},
		{"escalated", func(tech string, ticket int64) {
			g.must(200, "POST", fmt.Sprintf("/api/v1/tickets/%d/escalate", ticket), tech, map[string]any{"to": "bob"}, nil)
		}, "the ticket was handed to someone else"},
		{"reassigned", func(_ string, ticket int64) {
			g.must(200, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", ticket), admin, map[string]any{"assigned_to": "bob"}, nil)
		}, "the ticket was handed to someone else"},
		{"role", func(_ string, _ int64) {
			g.must(200, "PATCH", "/api/v1/users/t-role", admin, map[string]any{"role": "auditor"}, nil)
		}, "signed out"}, // a role change bumps the token version first
		{"logout", func(tech string, _ int64) {
			g.must(204, "POST", "/api/v1/logout", tech, nil, nil)
		}, "you were signed out"},
		{"signout", func(_ string, _ int64) {
			g.must(204, "POST", "/api/v1/users/t-signout/sign-out", admin, nil, nil)
		}, "you were signed out"},
		{"password", func(_ string, _ int64) {
			g.must(200, "PATCH", "/api/v1/users/t-password", admin, map[string]any{"password": "a brand new password"}, nil)
		}, "you were signed out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "t-" + c.name
			tech := g.addUser(admin, name, "technician")
			ticket, ws := g.liveShell(t, tech)

			c.lose(tech, ticket)
			reason := shellEnd(t, ws)
			if !strings.Contains(reason, c.cause) {
				t.Errorf("shell exit reason = %q, want it to contain %q", reason, c.cause)
			}
			g.auditHas(t, auditor, ticket, "access.withdrawn", map[string]string{"channel": "shell", "cause": c.cause})
			g.auditHas(t, auditor, ticket, "shell.close", map[string]string{"reason": c.cause})
		})
	}
}

// TestOpenShellEndsWhenTheTokenExpires: a shell lives no longer than the
// sign-in that opened it.
func TestOpenShellEndsWhenTheTokenExpires(t *testing.T) {
	// 10 s leaves room for a slow client start under load.
	g := startGateway(t, func(c *server.Config) { c.TokenTTL = 10 * time.Second })
	admin := g.login("admin", adminPassword)
	_, ws := g.liveShell(t, admin)
	// shellEnd fails the test if the shell outlives the token by 15 s.
	if reason := shellEnd(t, ws); !strings.Contains(reason, "sign-in expired") {
		t.Errorf("shell exit reason = %q, want the sign-in expiry", reason)
	}
}

// liveShell invites a client with scope shell on a new ticket of token's
// user, waits for it, opens a shell and checks that it echoes. It returns
// the ticket and the open shell (closed when the test ends).
func (g *gw) liveShell(t *testing.T, token string) (int64, *websocket.Conn) {
	t.Helper()
	ticket, inv := g.ticketAndInvite(token, "shell")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(token, ticket, "connected")
	ws, _, err := g.dialShell(token, s.ID, 80, 24, "")
	if err != nil {
		t.Fatalf("dial shell: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	m := marker(t)
	ws.WriteMessage(websocket.BinaryMessage, []byte("echo "+m[:5]+"''"+m[5:]+"\n"))
	readUntil(t, ws, m)
	return ticket, ws
}

// sse is an open /api/v1/events stream.
type sse struct {
	resp   *http.Response
	events chan [2]string // name, data
}

func (g *gw) openEvents(t *testing.T, token string) *sse {
	t.Helper()
	r, _ := http.NewRequest("GET", g.url+"/api/v1/events", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	cl := &http.Client{Transport: g.http.Transport} // no overall timeout: a stream
	resp, err := cl.Do(r)
	if err != nil {
		t.Fatalf("open event stream: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("open event stream: status %d", resp.StatusCode)
	}
	s := &sse{resp: resp, events: make(chan [2]string, 1000)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				s.events <- [2]string{name, strings.TrimPrefix(line, "data: ")}
			}
		}
	}()
	t.Cleanup(func() { resp.Body.Close() })
	return s
}

// until collects events until one named name arrives (or the stream
// ends), and returns everything received.
func (s *sse) until(t *testing.T, name string) (got [][2]string, found bool) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return got, false
			}
			got = append(got, ev)
			if ev[0] == name {
				return got, true
			}
		case <-timeout:
			t.Fatalf("no %q event within 15 s; got %v", name, got)
		}
	}
}

// TestEventStreamByRight: a technician's stream carries no audit entries
// (REST answers them 403), an auditor's does, and a disabled user's open
// stream ends at once, saying why.
func TestEventStreamByRight(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "alice", "technician")
	auditor := g.addUser(admin, "audrey", "auditor")
	techEvents := g.openEvents(t, tech)
	auditEvents := g.openEvents(t, auditor)

	// A failed sign-in (an audit entry), then a ticket (an event everyone may read).
	g.req("POST", "/api/v1/login", "", map[string]string{"username": "alice", "password": "wrong password!"})
	var tk struct{ ID int64 }
	g.must(201, "POST", "/api/v1/tickets", tech, map[string]string{"title": "VPN", "description": "drops"}, &tk)

	got, _ := auditEvents.until(t, "ticket")
	sawFail := false
	for _, ev := range got {
		sawFail = sawFail || (ev[0] == "audit" && strings.Contains(ev[1], "login.fail"))
	}
	if !sawFail {
		t.Errorf("the auditor's stream has no login.fail audit event: %v", got)
	}
	got, _ = techEvents.until(t, "ticket")
	for _, ev := range got {
		if ev[0] == "audit" {
			t.Errorf("a technician's stream carried an audit event: %s", ev[1])
		}
	}

	g.must(200, "PATCH", "/api/v1/users/alice", admin, map[string]any{"disabled": true}, nil)
	got, found := techEvents.until(t, "end")
	if !found {
		t.Fatalf("the disabled technician's stream ended without an end event: %v", got)
	}
	if last := got[len(got)-1]; !strings.Contains(last[1], "disabled") {
		t.Errorf("end event = %s, want it to say the account was disabled", last[1])
	}
	if _, more := <-techEvents.events; more {
		t.Errorf("the stream went on after its end event")
	}
}

// TestOldTokensDie: every way a user's sign-ins are meant to end ends the
// tokens issued before it, and none comes back when the change is undone.
func TestOldTokensDie(t *testing.T) {
	var g *gw
	var admin string
	alive := func(tok string) bool {
		code, _ := g.req("GET", "/api/v1/me", tok, nil)
		return code == 200
	}
	steps := []struct {
		name string
		do   func(name, tok string)
	}{
		{"password reset", func(name, _ string) {
			g.must(200, "PATCH", "/api/v1/users/"+name, admin, map[string]any{"password": "password-of-" + name}, nil)
		}},
		{"disable then enable", func(name, _ string) {
			g.must(200, "PATCH", "/api/v1/users/"+name, admin, map[string]any{"disabled": true}, nil)
			g.must(200, "PATCH", "/api/v1/users/"+name, admin, map[string]any{"disabled": false}, nil)
		}},
		{"role change and back", func(name, _ string) {
			g.must(200, "PATCH", "/api/v1/users/"+name, admin, map[string]any{"role": "auditor"}, nil)
			g.must(200, "PATCH", "/api/v1/users/"+name, admin, map[string]any{"role": "technician"}, nil)
		}},
		{"logout", func(_, tok string) { g.must(204, "POST", "/api/v1/logout", tok, nil, nil) }},
		{"admin signs the user out", func(name, _ string) {
			g.must(204, "POST", "/api/v1/users/"+name+"/sign-out", admin, nil, nil)
		}},
	}
	for i, st := range steps {
		// A gateway per step keeps the sign-ins under the per-address limit.
		g = startGateway(t)
		admin = g.login("admin", adminPassword)
		name := fmt.Sprintf("u%d", i)
		tok := g.addUser(admin, name, "technician")
		other := g.login(name, "password-of-"+name) // a second device
		if !alive(tok) || !alive(other) {
			t.Fatalf("%s: fresh tokens do not work", st.name)
		}
		st.do(name, tok)
		if alive(tok) || alive(other) {
			t.Errorf("%s: an earlier token still works (first %v, second %v)", st.name, alive(tok), alive(other))
		}
		if fresh := g.login(name, "password-of-"+name); !alive(fresh) {
			t.Errorf("%s: a new sign-in does not work", st.name)
		}
	}
	// A display-name change is not a security change: tokens live on.
	tok := g.addUser(admin, "dora", "technician")
	g.must(200, "PATCH", "/api/v1/users/dora", admin, map[string]any{"display_name": "Dora E."}, nil)
	if !alive(tok) {
		t.Errorf("a display-name change ended the user's token")
	}
}

// enrollMFA turns MFA on for the token's user and returns the secret and
// the fresh token the confirmation hands out.
func enrollMFA(t *testing.T, g *gw, tok string) (secret, fresh string) {
	t.Helper()
	var en struct{ Secret string }
	g.must(200, "POST", "/api/v1/me/mfa/enroll", tok, map[string]any{}, &en)
	var conf struct{ Token string }
	g.must(200, "POST", "/api/v1/me/mfa/confirm", tok, map[string]string{"otp": totpNow(t, en.Secret, time.Now())}, &conf)
	return en.Secret, conf.Token
}

func TestMFAChangesEndOldTokens(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	alive := func(tok string) bool {
		code, _ := g.req("GET", "/api/v1/me", tok, nil)
		return code == 200
	}
	tok := g.addUser(admin, "alice", "technician")
	other := g.login("alice", "password-of-alice")
	_, fresh := enrollMFA(t, g, tok)
	if alive(tok) || alive(other) {
		t.Errorf("tokens from before MFA was turned on still work (this one %v, other device %v)", alive(tok), alive(other))
	}
	if !alive(fresh) {
		t.Fatalf("the token handed out by the confirmation does not work")
	}
	g.must(200, "PATCH", "/api/v1/users/alice", admin, map[string]any{"mfa_reset": true}, nil)
	if alive(fresh) {
		t.Errorf("a token survived the admin's MFA reset")
	}
}

// TestFailedUserUpdateChangesNothing: a PATCH that fails validation has no
// effect at all (it used to reset MFA before refusing the bad field).
func TestFailedUserUpdateChangesNothing(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tok := g.addUser(admin, "alice", "technician")
	enrollMFA(t, g, tok)
	code, b := g.req("PATCH", "/api/v1/users/alice", admin, map[string]any{"mfa_reset": true, "role": "wizard"})
	if code != 400 {
		t.Fatalf("PATCH with a bad role: got %d %s, want 400", code, b)
	}
	var users []struct {
		Name string
		MFA  bool
	}
	g.must(200, "GET", "/api/v1/users", admin, nil, &users)
	for _, u := range users {
		if u.Name == "alice" && !u.MFA {
			t.Errorf("a refused PATCH reset alice's MFA")
		}
	}
}

// TestScreenViewEndsWhenTheRightGoes: a screen viewer is cut off the
// moment its technician is disabled, with the reason and an audit entry.
func TestScreenViewEndsWhenTheRightGoes(t *testing.T) {
	g, tech, s, _, _ := screenSetup(t, "screen")
	v := g.watchScreen(t, tech, s.ID, "transport=websocket")
	var cv screenrec.Canvas
	v.waitPicture("red | blue", &cv, halves(red, blue))
	admin := g.login("admin", adminPassword)
	g.must(200, "PATCH", "/api/v1/users/vera", admin, map[string]any{"disabled": true}, nil)
	if e := v.waitSig("error"); !strings.Contains(e.Reason, "your account was disabled") {
		t.Errorf("screen error = %q, want the account was disabled", e.Reason)
	}
	select {
	case <-v.done:
	case <-time.After(15 * time.Second):
		t.Fatal("the screen WebSocket is still open after the viewer was disabled")
	}
	v.close()
	var sess struct {
		TicketID int64 `json:"ticket_id"`
	}
	g.must(200, "GET", "/api/v1/sessions/"+s.ID, admin, nil, &sess)
	g.auditHas(t, admin, sess.TicketID, "access.withdrawn", map[string]string{"channel": "screen", "cause": "disabled"})
}

// TestAbortedDiagnosticsAreAudited: a technician who hangs up on a
// diagnostics run still leaves its diag.run entry (the audit write used
// the request's context and vanished with it).
func TestAbortedDiagnosticsAreAudited(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "lena", "technician")
	ticket, inv := g.ticketAndInvite(tech, "diagnostics")
	c := startClient(t, "join", "--accept", "diagnostics", inv.Join)
	s := g.waitSession(tech, ticket, "connected")

	// A target that accepts and then says nothing keeps the check busy.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	body := fmt.Sprintf(`{"checks":["connectivity"],"params":{"targets":["https://%s/"]}}`, silent.Addr())
	r, _ := http.NewRequestWithContext(ctx, "POST", g.url+"/api/v1/sessions/"+s.ID+"/diagnostics", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+tech)
	r.Header.Set("Content-Type", "application/json")
	done := make(chan error, 1)
	go func() {
		resp, err := g.http.Do(r)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	c.waitOutput(t, "Lena is running diagnostics")
	cancel()
	<-done
	g.auditHas(t, admin, ticket, "diag.run", map[string]string{"error": "aborted"})
}

// TestTakingATicketHandsOverItsLiveSession: taking an unassigned ticket
// that has a live session is an audited hand-over (it used to move the
// ticket and leave the session's technician, silently, as it was).
func TestTakingATicketHandsOverItsLiveSession(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	alice := g.addUser(admin, "alice", "technician")
	bob := g.addUser(admin, "bob", "technician")
	ticket, inv := g.ticketAndInvite(alice, "shell")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(alice, ticket, "connected")
	tp := fmt.Sprintf("/api/v1/tickets/%d", ticket)
	g.must(200, "PATCH", tp, admin, map[string]any{"assigned_to": ""}, nil)
	g.must(200, "PATCH", tp, bob, map[string]any{"assigned_to": "bob"}, nil)
	var sess struct{ Technician string }
	g.must(200, "GET", "/api/v1/sessions/"+s.ID, bob, nil, &sess)
	if sess.Technician != "bob" {
		t.Errorf("after bob took the ticket the live session's technician = %q, want bob", sess.Technician)
	}
	g.auditHas(t, admin, ticket, "session.handover", map[string]string{"from": "alice", "to": "bob"})
	ws, _, err := g.dialShell(bob, s.ID, 80, 24, "")
	if err != nil {
		t.Fatalf("bob opens the shell of the session he took: %v", err)
	}
	ws.Close()
}
