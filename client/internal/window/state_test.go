package window

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/consent"
	"github.com/tetherhq/tether/internal/wire"
)

var offer = wire.Offer{Technician: "alice", Ticket: wire.Ticket{ID: 42, Title: "VPN drops"},
	Scopes: []string{"diagnostics", "shell", "screen"}}

type result[T any] struct {
	v   T
	err error
}

func async[T any](f func() (T, error)) <-chan result[T] {
	c := make(chan result[T], 1)
	go func() { v, err := f(); c <- result[T]{v, err} }()
	return c
}

func get[T any](t *testing.T, c <-chan result[T]) (T, error) {
	t.Helper()
	select {
	case r := <-c:
		return r.v, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
	}
	var z T
	return z, nil
}

func TestConsentGrantsOnlyWhatIsSwitchedOnAndOffered(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	details := map[wire.Scope][]string{wire.ScopeDiagnostics: {"reads logs from /var/log"}}
	avail := func(sc wire.Scope) (bool, string) { return sc != wire.ScopeScreen, "no display" }
	res := async(func() (wire.Scopes, error) { return w.Consent(context.Background(), offer, details, avail) })
	v := p.waitFor("the consent form", func(v view) bool { return v.Phase == phaseConsent })
	if v.Technician != "alice" || scopesOf(v.Scopes) != "diagnostics,shell,screen" {
		t.Fatalf("consent view: %+v", v)
	}
	if len(v.Scopes[0].Details) != 1 || v.Scopes[2].Available || v.Scopes[2].Why != "no display" {
		t.Fatalf("details or availability missing: %+v", v.Scopes)
	}
	// control was never offered; screen cannot be offered here.
	if got := p.post("/consent", `{"scopes":["diagnostics","screen","control"]}`); got != http.StatusNoContent {
		t.Fatalf("allow: %d", got)
	}
	sc, err := get(t, res)
	if err != nil || sc.String() != "diagnostics" {
		t.Fatalf("granted %v, %v; want diagnostics only", sc, err)
	}
	if got := p.post("/consent", `{"scopes":["shell"]}`); got != http.StatusConflict {
		t.Fatalf("a second answer: %d, want 409", got)
	}
	v = p.waitFor("connecting", func(v view) bool { return v.Phase == phaseConnecting })
	if scopesOf(v.Granted) != "diagnostics" {
		t.Fatalf("granted shown: %s", scopesOf(v.Granted))
	}
}

func TestConsentDeclined(t *testing.T) {
	for _, body := range []string{`{"decline":true,"scopes":["shell"]}`, `{"scopes":[]}`} {
		w := start(t, Config{})
		p := openPage(t, w)
		res := async(func() (wire.Scopes, error) { return w.Consent(context.Background(), offer, nil, nil) })
		p.waitFor("the consent form", func(v view) bool { return v.Phase == phaseConsent })
		p.post("/consent", body)
		if sc, err := get(t, res); !errors.Is(err, consent.ErrDeclined) || sc != nil {
			t.Fatalf("%s: %v, %v; want ErrDeclined", body, sc, err)
		}
		p.waitFor("ended", func(v view) bool { return v.Phase == phaseEnded && v.Ended != nil && !v.Ended.CanRate })
	}
}

func TestAskCode(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	res := async(func() (string, error) { return w.AskCode(context.Background()) })
	p.waitFor("the code box", func(v view) bool { return v.Phase == phaseCode })
	if got := p.post("/code", `{"code":"K7QF-3MZP"}`); got != http.StatusBadRequest {
		t.Fatalf("short code: %d", got)
	}
	if got := p.post("/code", `{"code":" k7qf 3mzp xw9d ht2a "}`); got != http.StatusNoContent {
		t.Fatalf("code: %d", got)
	}
	if c, err := get(t, res); err != nil || c != "K7QF-3MZP-XW9D-HT2A" {
		t.Fatalf("code %q, %v", c, err)
	}
}

func TestQuestionsEndWithTheirContext(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	ctx, cancel := context.WithCancel(context.Background())
	res := async(func() (bool, error) { return w.ConfirmFile(ctx, "Read /etc/hosts?") })
	p.waitFor("the file question", func(v view) bool { return v.File != nil })
	cancel()
	if _, err := get(t, res); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	p.waitFor("the question gone", func(v view) bool { return v.File == nil })
}

func TestAskAllowsOnlyWhatWasAsked(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	w.SetGranted(wire.Scopes{wire.ScopeDiagnostics})
	n := wire.AskNotice{ID: "ask1", Technician: "alice", Scopes: []string{"shell", "screen"}, Reason: "to check the VPN client"}
	res := async(func() (wire.Scopes, error) { return w.Ask(context.Background(), n) })
	v := p.waitFor("the ask dialog", func(v view) bool { return v.Ask != nil })
	if scopesOf(v.Ask.Scopes) != "shell,screen" || v.Ask.Reason != "to check the VPN client" {
		t.Fatalf("ask: %+v", v.Ask)
	}
	if got := p.post("/ask", `{"id":"other","scopes":["shell"]}`); got != http.StatusConflict {
		t.Fatalf("wrong id: %d", got)
	}
	if got := p.post("/ask", fmt.Sprintf(`{"id":%q,"scopes":["shell","control"]}`, v.Ask.ID)); got != http.StatusNoContent {
		t.Fatalf("allow: %d", got)
	}
	sc, err := get(t, res)
	if err != nil || sc.String() != "shell" {
		t.Fatalf("allowed %v, %v; want shell (control was not asked)", sc, err)
	}
	v = p.waitFor("granted updated", func(v view) bool { return v.Ask == nil && scopesOf(v.Granted) == "diagnostics,shell" })
	if !strings.Contains(v.Activity[0].Text, "allowed alice") {
		t.Fatalf("activity: %+v", v.Activity)
	}
	// Declined: nothing.
	res = async(func() (wire.Scopes, error) { return w.Ask(context.Background(), n) })
	v = p.waitFor("the ask dialog", func(v view) bool { return v.Ask != nil })
	p.post("/ask", fmt.Sprintf(`{"id":%q,"scopes":["screen"],"decline":true}`, v.Ask.ID))
	if sc, err := get(t, res); err != nil || len(sc) != 0 {
		t.Fatalf("declined: %v, %v", sc, err)
	}
}

func TestFileQuestion(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	for _, allow := range []bool{true, false} {
		res := async(func() (bool, error) {
			return w.ConfirmFile(context.Background(), "alice's diagnostics want to read /etc/hosts.")
		})
		v := p.waitFor("the file question", func(v view) bool { return v.File != nil })
		if v.File.Text != "alice's diagnostics want to read /etc/hosts." {
			t.Fatalf("file: %+v", v.File)
		}
		p.post("/file", fmt.Sprintf(`{"id":%q,"allow":%t}`, v.File.ID, allow))
		if yes, err := get(t, res); err != nil || yes != allow {
			t.Fatalf("allow=%t: got %t, %v", allow, yes, err)
		}
		p.waitFor("the question gone", func(v view) bool { return v.File == nil })
	}
}

// fakeAgent records what the page's buttons asked for.
type fakeAgent struct {
	mu      sync.Mutex
	said    []string
	revoked []wire.Scopes
	ended   int
	rated   []string
	sayErr  error
}

func (f *fakeAgent) actions() Actions {
	return Actions{
		Say: func(_ context.Context, s string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.sayErr != nil {
				return f.sayErr
			}
			f.said = append(f.said, s)
			return nil
		},
		Revoke: func(_ context.Context, sc wire.Scopes) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.revoked = append(f.revoked, sc)
			return nil
		},
		End: func() { f.mu.Lock(); f.ended++; f.mu.Unlock() },
		Rate: func(_ context.Context, r int, c string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.rated = append(f.rated, fmt.Sprintf("%d:%s", r, c))
			return nil
		},
	}
}

func TestHelpedRevokeChatEndAndRating(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	fa := &fakeAgent{}
	w.SetActions(fa.actions())
	w.SetGranted(wire.Scopes{wire.ScopeShell, wire.ScopeScreen, wire.ScopeControl})
	w.Event(agent.Event{Kind: agent.EventConnected, Actor: "alice", Message: "alice is connected."})
	w.Event(agent.Event{Kind: agent.EventChannelOpen, What: "screen", Message: "alice is watching your screen."})
	v := p.waitFor("screen watched", func(v view) bool { return v.Phase == phaseHelped && v.Now.Screen })
	if !v.Connected || v.Activity[0].Text != "alice is watching your screen." || v.Activity[1].Text != "alice is connected." {
		t.Fatalf("helped: %+v", v)
	}
	w.Event(agent.Event{Kind: agent.EventControl, Active: true, Message: "alice took control."})
	p.waitFor("control taken", func(v view) bool { return v.Now.Control })
	w.Event(agent.Event{Kind: agent.EventControl, Active: false, Message: "alice released control."})
	p.waitFor("control released", func(v view) bool { return !v.Now.Control && v.Now.Screen })
	w.Event(agent.Event{Kind: agent.EventControl, Active: true, Message: "alice took control."})
	p.waitFor("control taken again", func(v view) bool { return v.Now.Control })

	// Revoking the screen takes control with it.
	if got := p.post("/revoke", `{"scopes":["screen"]}`); got != http.StatusNoContent {
		t.Fatalf("revoke: %d", got)
	}
	p.waitFor("granted without screen", func(v view) bool { return scopesOf(v.Granted) == "shell" })
	if len(fa.revoked) != 1 || fa.revoked[0].String() != "screen,control" {
		t.Fatalf("revoked %v", fa.revoked)
	}
	if v := p.waitFor("the revoke logged", func(v view) bool {
		return len(v.Activity) > 0 && strings.HasPrefix(v.Activity[0].Text, "You took back")
	}); v.Activity[0].Text != "You took back the permission to see your screen and control your mouse and keyboard and use your clipboard." {
		t.Fatalf("activity: %q", v.Activity[0].Text)
	}
	w.Event(agent.Event{Kind: agent.EventChannelClose, What: "screen", Message: "alice stopped watching."})
	p.waitFor("screen closed", func(v view) bool { return !v.Now.Screen && !v.Now.Control })

	w.Chat(wire.ChatMessage{From: "alice", Text: "Hello\x1b[2J, can you see me?"}, false)
	if got := p.post("/say", `{"text":"  yes  "}`); got != http.StatusNoContent {
		t.Fatalf("say: %d", got)
	}
	v = p.waitFor("two chat lines", func(v view) bool { return len(v.Chat) == 2 })
	if v.Chat[0].Sender != "technician" || v.Chat[0].Text != "Hello[2J, can you see me?" || v.Chat[1].Sender != "user" || v.Chat[1].Text != "yes" {
		t.Fatalf("chat: %+v", v.Chat)
	}
	fa.mu.Lock()
	fa.sayErr = agent.ErrNotConnected
	fa.mu.Unlock()
	if got := p.post("/say", `{"text":"again"}`); got != http.StatusConflict {
		t.Fatalf("say while not connected: %d", got)
	}
	if got := p.post("/say", `{"text":"  "}`); got != http.StatusBadRequest {
		t.Fatalf("empty say: %d", got)
	}

	if got := p.post("/end", `{}`); got != http.StatusNoContent || fa.ended != 1 {
		t.Fatalf("end: %d, ended %d", got, fa.ended)
	}
	w.Ended("Session ended by you.", true)
	v = p.waitFor("ended", func(v view) bool { return v.Phase == phaseEnded })
	if v.Ended.Reason != "Session ended by you." || !v.Ended.CanRate || v.Now.Screen || v.Connected {
		t.Fatalf("ended: %+v", v)
	}
	if got := p.post("/rate", `{"rating":6}`); got != http.StatusBadRequest {
		t.Fatalf("rating 6: %d", got)
	}
	if got := p.post("/rate", `{"rating":4,"comment":"quick\u0007 and kind"}`); got != http.StatusNoContent {
		t.Fatalf("rate: %d", got)
	}
	p.waitFor("rated", func(v view) bool { return v.Ended.Rated })
	if len(fa.rated) != 1 || fa.rated[0] != "4:quick and kind" {
		t.Fatalf("rated %v", fa.rated)
	}
}

func TestDiagnosticsNowShowsFilesAndHosts(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	w.Event(agent.Event{Kind: agent.EventConnected, Actor: "alice"})
	w.Event(agent.Event{Kind: agent.EventChannelOpen, What: "diagnostics", Message: "alice is running diagnostics (logs)."})
	w.Event(agent.Event{Kind: agent.EventDiagAccess, What: "reading /var/log/syslog", Message: "  reading /var/log/syslog"})
	v := p.waitFor("diag lines", func(v view) bool { return len(v.Now.DiagLines) == 1 })
	if !v.Now.Diagnostics || v.Now.DiagLines[0] != "reading /var/log/syslog" {
		t.Fatalf("now: %+v", v.Now)
	}
	w.Event(agent.Event{Kind: agent.EventChannelClose, What: "diagnostics", Message: "done"})
	p.waitFor("diag closed", func(v view) bool { return !v.Now.Diagnostics && len(v.Now.DiagLines) == 0 })
}

func TestClosedIsCalledWhenThePageGoesAway(t *testing.T) {
	closed := make(chan struct{}, 1)
	w := start(t, Config{ClosedGrace: 50 * time.Millisecond, Closed: func() { closed <- struct{}{} }})
	p := openPage(t, w)
	p.waitFor("a first state", func(view) bool { return true }) // opens and closes /events
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Closed not called after the page went away")
	}
}
