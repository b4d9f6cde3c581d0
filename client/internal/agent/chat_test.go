package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// newScriptedAgent returns an agent for srv, granting what is offered, with
// cfg changed by mod, and a channel closed once it is connected.
func newScriptedAgent(t *testing.T, srv *httptest.Server, mod func(*Config)) (*Agent, <-chan struct{}) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	connected := make(chan struct{})
	var once sync.Once
	cfg := Config{
		Join:    wire.Join{Addr: srv.Listener.Addr().String(), Code: wire.NewCode()},
		TLS:     &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		Consent: func(_ context.Context, o wire.Offer) (wire.Scopes, error) { return wire.NewScopes(o.Scopes) },
		Events: func(e Event) {
			if e.Kind == EventConnected {
				once.Do(func() { close(connected) })
			}
		},
		Host:             wire.HostInfo{Hostname: "test", OS: "linux", User: "carol"},
		HandshakeTimeout: 10 * time.Second,
		ResumeWindow:     -1,
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, connected
}

// runAgent runs a until it ends (bounded) and returns Run's error.
func runAgent(t *testing.T, a *Agent) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		cancel()
		<-done
		t.Fatal("the agent did not finish")
		return nil
	}
}

// TestAgentConsentMethodAndChatBothWays: the consent method goes in the
// Accept; a technician's message reaches Config.Chat cleaned; an oversized
// one is refused; the user's message (Say) reaches the gateway cleaned and
// returns once the gateway recorded it.
func TestAgentConsentMethodAndChatBothWays(t *testing.T) {
	var accept wire.Accept
	fromUser := make(chan wire.ChatMessage, 1)
	var replies []bool
	var a *Agent
	var sayErr error
	srv := scriptedGateway(t, gwScript{
		offer:     wire.Offer{Type: wire.TypeOffer, Technician: "Alice", Ticket: wire.Ticket{ID: 1, Title: "t"}, Scopes: []string{"shell"}, ExpiresAt: time.Now().Add(time.Hour)},
		sessionID: "s_1", granted: []string{"shell"},
		onAccept: func(acc wire.Accept) { accept = acc },
		onRequest: func(r *ssh.Request) {
			if r.Type == wire.RequestChat {
				m, err := wire.ParseChatMessage(r.Payload)
				r.Reply(err == nil, nil)
				fromUser <- m
				return
			}
			r.Reply(false, nil)
		},
		afterSSH: func(cc ssh.Conn) {
			ok, _, _ := cc.SendRequest(wire.RequestChat, true, wire.ChatMessage{ID: "c_1", From: "Alice" + hostile, Text: "hello" + hostile + "\nsecond line", At: time.Now()}.Marshal())
			replies = append(replies, ok)
			big, _ := json.Marshal(wire.ChatMessage{Text: strings.Repeat("x", wire.MaxChatPayload)})
			ok, _, _ = cc.SendRequest(wire.RequestChat, true, big)
			replies = append(replies, ok)
			_, sayErr = a.Say(context.Background(), "thanks"+hostile)
		},
	})
	var chats []wire.ChatMessage
	var mu sync.Mutex
	a, _ = newScriptedAgent(t, srv, func(c *Config) {
		c.ConsentMethod = wire.ConsentWindow
		c.Chat = func(m wire.ChatMessage) { mu.Lock(); chats = append(chats, m); mu.Unlock() }
	})
	runAgent(t, a)
	if accept.Consent != wire.ConsentWindow {
		t.Errorf("Accept.Consent = %q, want window", accept.Consent)
	}
	if !slices.Equal(replies, []bool{true, false}) {
		t.Errorf("replies to chat (normal, oversized) = %v, want [true false]", replies)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(chats) != 1 || chats[0].Text != wire.CleanChatText("hello"+hostile+"\nsecond line") || !strings.Contains(chats[0].Text, "\nsecond line") {
		t.Errorf("chats = %q", chats)
	}
	for _, m := range chats {
		if r, bad := unsafeRune(strings.ReplaceAll(m.Text, "\n", " ") + m.From); bad {
			t.Errorf("chat reached Config.Chat with %U", r)
		}
	}
	if sayErr != nil {
		t.Fatalf("Say: %v", sayErr)
	}
	m := <-fromUser
	if r, bad := unsafeRune(m.Text); bad || !strings.HasPrefix(m.Text, "thanks") {
		t.Errorf("the user's message reached the gateway as %q (%U)", m.Text, r)
	}
	if _, err := a.Say(context.Background(), "after the end"); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Say after the end = %v, want ErrNotConnected", err)
	}
}

// TestAgentRefusesChatWithoutHandler: without Config.Chat or Config.Ask
// the agent refuses both requests.
func TestAgentRefusesChatWithoutHandler(t *testing.T) {
	var replies []bool
	srv := scriptedGateway(t, gwScript{
		offer:     wire.Offer{Type: wire.TypeOffer, Ticket: wire.Ticket{ID: 1}, Scopes: []string{"shell"}, ExpiresAt: time.Now().Add(time.Hour)},
		sessionID: "s_1", granted: []string{"shell"},
		afterSSH: func(cc ssh.Conn) {
			ok, _, _ := cc.SendRequest(wire.RequestChat, true, wire.ChatMessage{Text: "hi"}.Marshal())
			replies = append(replies, ok)
			ok, _, _ = cc.SendRequest(wire.RequestAsk, true, wire.AskNotice{ID: "a_1", Scopes: []string{"screen"}}.Marshal())
			replies = append(replies, ok)
		},
	})
	a, _ := newScriptedAgent(t, srv, nil)
	runAgent(t, a)
	if !slices.Equal(replies, []bool{false, false}) {
		t.Errorf("replies = %v, want [false false]", replies)
	}
}

// TestAgentAskGrantsOnlyWhatWasAsked: an ask is taken at once (true
// before the user decided), the user's decision is cut to the scopes the
// ask named, it is granted before the answer is sent, control never comes
// without screen, and an ask for an unknown scope is refused.
func TestAgentAskGrantsOnlyWhatWasAsked(t *testing.T) {
	decide := make(chan struct{})
	answers := make(chan wire.AnswerNotice, 4)
	grantedAtAnswer := make(chan wire.Scopes, 4)
	var replies []bool
	var a *Agent
	srv := scriptedGateway(t, gwScript{
		offer:     wire.Offer{Type: wire.TypeOffer, Technician: "Alice", Ticket: wire.Ticket{ID: 1}, Scopes: []string{"diagnostics"}, ExpiresAt: time.Now().Add(time.Hour)},
		sessionID: "s_1", granted: []string{"diagnostics"},
		onRequest: func(r *ssh.Request) {
			if r.Type != wire.RequestAnswer {
				r.Reply(false, nil)
				return
			}
			n, err := wire.ParseAnswerNotice(r.Payload)
			if err != nil {
				t.Errorf("answer: %v", err)
			}
			grantedAtAnswer <- a.Granted()
			answers <- n
			r.Reply(true, nil)
		},
		afterSSH: func(cc ssh.Conn) {
			ok, _, _ := cc.SendRequest(wire.RequestAsk, true, []byte(`{"id":"a_x","scopes":["root"]}`))
			replies = append(replies, ok)
			ok, _, _ = cc.SendRequest(wire.RequestAsk, true, wire.AskNotice{ID: "a_1", Technician: "Alice", Scopes: []string{"shell"}, Reason: "spooler"}.Marshal())
			replies = append(replies, ok) // before the user decided
			close(decide)
			<-answers
			ok, _, _ = cc.SendRequest(wire.RequestAsk, true, wire.AskNotice{ID: "a_2", Technician: "Alice", Scopes: []string{"control"}}.Marshal())
			replies = append(replies, ok)
			<-answers
		},
	})
	var asked []wire.AskNotice
	a, _ = newScriptedAgent(t, srv, func(c *Config) {
		c.Ask = func(ctx context.Context, n wire.AskNotice) (wire.Scopes, string, error) {
			asked = append(asked, n)
			if n.ID == "a_1" {
				<-decide
			}
			// The user (or a confused window) allows more than was asked.
			return wire.Scopes{wire.ScopeShell, wire.ScopeScreen, wire.ScopeControl, wire.ScopeDiagnostics}, wire.ConsentWindow, nil
		}
	})
	runAgent(t, a)
	if !slices.Equal(replies, []bool{false, true, true}) {
		t.Errorf("replies to asks (unknown scope, shell, control) = %v", replies)
	}
	g1, g2 := <-grantedAtAnswer, <-grantedAtAnswer
	if !slices.Equal(g1.Strings(), []string{"diagnostics", "shell"}) {
		t.Errorf("granted when the first answer was sent = %v, want diagnostics, shell", g1)
	}
	if !slices.Equal(g2.Strings(), []string{"diagnostics", "shell"}) {
		t.Errorf("granted after an ask for control without screen = %v", g2)
	}
	if len(asked) != 2 || asked[0].Reason != "spooler" {
		t.Errorf("Ask saw %+v", asked)
	}
}

// TestAgentRate: Rate posts the Welcome's feedback token and the session
// id over the pinned TLS; a second rating is ErrAlreadyRated.
func TestAgentRate(t *testing.T) {
	var mu sync.Mutex
	var got []wire.Feedback
	srv := scriptedGateway(t, gwScript{
		offer:     wire.Offer{Type: wire.TypeOffer, Ticket: wire.Ticket{ID: 1}, Scopes: []string{"shell"}, ExpiresAt: time.Now().Add(time.Hour)},
		sessionID: "s_1", granted: []string{"shell"}, feedbackToken: "fb-token",
		feedback: func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			f, err := wire.ParseFeedback(b)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
				w.WriteHeader(400)
				return
			}
			got = append(got, f)
			if len(got) > 1 {
				w.WriteHeader(http.StatusConflict)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		},
	})
	a, _ := newScriptedAgent(t, srv, nil)
	if err := a.Rate(context.Background(), 4, "x"); err == nil {
		t.Error("Rate before the session accepted")
	}
	runAgent(t, a)
	if a.SessionID() != "s_1" {
		t.Errorf("SessionID = %q", a.SessionID())
	}
	if err := a.Rate(context.Background(), 4, "kind\x1b[31m"); err != nil {
		t.Fatalf("Rate: %v", err)
	}
	if err := a.Rate(context.Background(), 5, ""); !errors.Is(err, ErrAlreadyRated) {
		t.Errorf("second Rate = %v, want ErrAlreadyRated", err)
	}
	if err := a.Rate(context.Background(), 6, ""); err == nil {
		t.Error("rating 6 accepted")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].Token != "fb-token" || got[0].SessionID != "s_1" || got[0].Rating != 4 || got[0].Comment != "kind[31m" {
		t.Errorf("gateway got %+v", got)
	}
}

// TestControlEvents: the first input takes control (Active true), and
// ControlIdle without input releases it (Active false), on the channel's
// id; stopping the channel's watch releases it too.
func TestControlEvents(t *testing.T) {
	old := ControlIdle
	ControlIdle = 50 * time.Millisecond
	defer func() { ControlIdle = old }()
	evs := make(chan Event, 8)
	cfg := &Config{Events: func(e Event) { evs <- e }}
	s := &session{cfg: cfg}
	ctx := withChannel(context.Background(), wire.ScopeScreen)
	w := &controlWatch{s: s, ctx: ctx, actor: "Alice"}
	next := func() Event {
		t.Helper()
		select {
		case e := <-evs:
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("no control event")
			return Event{}
		}
	}
	w.input()
	w.input()
	e := next()
	if e.Kind != EventControl || !e.Active || e.Scope != wire.ScopeControl || e.Channel == "" {
		t.Fatalf("first event %+v", e)
	}
	if e2 := next(); e2.Active || e2.Channel != e.Channel {
		t.Fatalf("second event %+v, want released on %s", e2, e.Channel)
	}
	w.input()
	if e := next(); !e.Active {
		t.Fatalf("input after idle: %+v", e)
	}
	w.stop()
	if e := next(); e.Active {
		t.Fatalf("stop: %+v", e)
	}
	w.input() // after stop: nothing
	select {
	case e := <-evs:
		t.Errorf("event after stop: %+v", e)
	default:
	}
}
