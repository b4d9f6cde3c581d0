package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
	"github.com/tetherhq/tether/internal/wsconn"
)

// gwScript says what a scripted (hostile) gateway sends.
type gwScript struct {
	rawHTTP   string      // answered instead of the WebSocket upgrade
	refuse    *wire.Error // sent instead of the Offer
	offer     wire.Offer
	sessionID string
	granted   []string
	// afterSSH runs once the SSH connection is up; the gateway hangs up
	// when it returns.
	afterSSH func(cc ssh.Conn)
	// onAccept sees the client's Accept; feedbackToken goes in the Welcome.
	onAccept      func(wire.Accept)
	feedbackToken string
	// onRequest answers the agent's global requests (default: refused).
	onRequest func(*ssh.Request)
	// feedback serves wire.FeedbackPath (default: 404).
	feedback http.HandlerFunc
}

// scriptedGateway is a fake gateway on TLS that follows sc.
func scriptedGateway(t *testing.T, sc gwScript) *httptest.Server {
	t.Helper()
	key := newSigner(t)
	up := websocket.Upgrader{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == wire.FeedbackPath {
			if sc.feedback == nil {
				http.NotFound(w, r)
				return
			}
			sc.feedback(w, r)
			return
		}
		if sc.rawHTTP != "" {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			buf.WriteString(sc.rawHTTP)
			buf.Flush()
			conn.Close()
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		send := func(v any) { b, _ := json.Marshal(v); ws.WriteMessage(websocket.TextMessage, b) }
		if _, _, err := ws.ReadMessage(); err != nil { // hello
			return
		}
		if sc.refuse != nil {
			send(sc.refuse)
			return
		}
		send(sc.offer)
		_, acc, err := ws.ReadMessage() // accept
		if err != nil {
			return
		}
		if sc.onAccept != nil {
			a, _ := wire.ParseAccept(acc)
			sc.onAccept(a)
		}
		send(wire.Welcome{Type: wire.TypeWelcome, SessionID: sc.sessionID, Granted: sc.granted, ResumeToken: "tok", FeedbackToken: sc.feedbackToken,
			GatewayKey: string(ssh.MarshalAuthorizedKey(key.PublicKey()))})
		ws.SetReadDeadline(time.Time{})
		cc, chans, reqs, err := ssh.NewClientConn(wsconn.New(ws), "agent", &ssh.ClientConfig{
			User: "tether", Auth: []ssh.AuthMethod{ssh.PublicKeys(key)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		})
		if err != nil {
			return
		}
		defer cc.Close()
		go func() {
			for r := range reqs {
				if sc.onRequest != nil && r.Type != wire.RequestKeepalive && r.Type != wire.RequestEnd {
					sc.onRequest(r)
					continue
				}
				if r.WantReply {
					r.Reply(r.Type == wire.RequestKeepalive || r.Type == wire.RequestEnd, nil)
				}
			}
		}()
		go func() {
			for ch := range chans {
				ch.Reject(ssh.Prohibited, "test")
			}
		}()
		if sc.afterSSH != nil {
			sc.afterSSH(cc)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// eventLog keeps what the agent would print.
type eventLog struct {
	mu sync.Mutex
	es []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.es = append(l.es, e)
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.es...)
}

// runScripted runs the agent against srv, granting what is offered, until
// the session ends; it returns the events and Run's error.
func runScripted(t *testing.T, srv *httptest.Server) ([]Event, error) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &eventLog{}
	cfg := Config{
		Join: wire.Join{Addr: srv.Listener.Addr().String(), Code: wire.NewCode()},
		TLS:  &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		Consent: func(_ context.Context, o wire.Offer) (wire.Scopes, error) {
			return wire.NewScopes(o.Scopes)
		},
		Events:           log.add,
		Host:             wire.HostInfo{Hostname: "test", OS: "linux"},
		HandshakeTimeout: 10 * time.Second,
		ResumeWindow:     -1,
	}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	select {
	case err := <-done:
		return log.all(), err
	case <-time.After(30 * time.Second):
		cancel()
		<-done
		t.Fatal("the agent did not finish against the scripted gateway")
		return nil, nil
	}
}

// hostile is text a malicious gateway would like on the user's terminal:
// clear screen, cursor home, window title, a C1 CSI, a bidi override, a
// carriage return that lets later text overwrite the line, a backspace.
const hostile = "\x1b[2J\x1b[H\x1b]0;owned\x07\u009b31m\u202e\r\b"

// unsafeRune reports a rune that must never reach the user's terminal.
func unsafeRune(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			return r, true
		}
	}
	return 0, false
}

// TestHostileGatewayTextReachesTheTerminalClean: every string a gateway
// sends (technician and ticket names, session id, channel actors and
// types, end reasons, refusals, even the HTTP status line) arrives on the
// user's terminal without a control character.
func TestHostileGatewayTextReachesTheTerminalClean(t *testing.T) {
	offer := wire.Offer{Type: wire.TypeOffer, Technician: "Mallory" + hostile, Ticket: wire.Ticket{ID: 7, Title: hostile + "printer"},
		Scopes: []string{"shell\r"}, ExpiresAt: time.Now().Add(time.Hour)}
	cases := []struct {
		name string
		sc   gwScript
		want string // benign text that must still be there
	}{
		{"a session", gwScript{offer: offer, sessionID: "s_" + hostile + "x", granted: []string{"shell"}, afterSSH: func(cc ssh.Conn) {
			extra, _ := json.Marshal(wire.ChannelOpen{Actor: hostile + "Eve", Purpose: hostile})
			cc.OpenChannel("tether-evil"+hostile, extra) // unknown type: refused and reported
			cc.OpenChannel(wire.ChannelDiag, extra)      // not granted: refused and reported
			p, _ := json.Marshal(wire.EndNotice{Reason: "bye" + hostile + "now"})
			cc.SendRequest(wire.RequestEnd, true, p)
		}}, "Session s_"},
		{"a refusal", gwScript{refuse: &wire.Error{Type: wire.TypeError, Code: wire.ErrCodeNoSession + hostile, Message: "go away" + hostile}}, "go away"},
		{"an HTTP status line", gwScript{rawHTTP: "HTTP/1.1 403 Forbidden" + hostile + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"}, "403 Forbidden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			events, err := runScripted(t, scriptedGateway(t, c.sc))
			var printed []string
			for _, e := range events {
				printed = append(printed, e.Message, e.Actor, e.What, string(e.Kind))
			}
			if err != nil {
				printed = append(printed, err.Error())
			}
			for _, s := range printed {
				if r, bad := unsafeRune(s); bad {
					t.Errorf("printed %q: holds %U, want no control characters", s, r)
				}
			}
			if all := strings.Join(printed, "\n"); !strings.Contains(all, c.want) {
				t.Errorf("printed:\n%s\nwant it to contain %q", all, c.want)
			}
		})
	}
}

// TestAgentRefusesWhatIsNotAnInteractiveShell: a hostile gateway (which
// holds the right key) gets no exec, no subsystem, no shell without a
// terminal, no port forwarding and no channel type or scope it was not
// granted.
func TestAgentRefusesWhatIsNotAnInteractiveShell(t *testing.T) {
	type result struct {
		name string
		ok   bool
		err  error
	}
	results := make(chan []result, 1)
	sc := gwScript{
		offer:     wire.Offer{Type: wire.TypeOffer, Technician: "Mallory", Ticket: wire.Ticket{ID: 1, Title: "t"}, Scopes: []string{"shell"}, ExpiresAt: time.Now().Add(time.Hour)},
		sessionID: "s_hostile", granted: []string{"shell"},
		afterSSH: func(cc ssh.Conn) {
			var rs []result
			extra, _ := json.Marshal(wire.ChannelOpen{Actor: "Mallory"})
			ch, reqs, err := cc.OpenChannel(wire.ChannelSession, extra)
			if err != nil {
				rs = append(rs, result{name: "open the granted session channel", err: err})
				results <- rs
				return
			}
			go ssh.DiscardRequests(reqs)
			for _, r := range []struct {
				name, typ string
				payload   []byte
			}{
				{"exec", "exec", ssh.Marshal(struct{ Command string }{"id > /tmp/tether-pwned"})},
				{"subsystem sftp", "subsystem", ssh.Marshal(struct{ Name string }{"sftp"})},
				{"shell without a pty-req", "shell", nil},
				{"x11-req", "x11-req", ssh.Marshal(struct {
					Single        bool
					Proto, Cookie string
					Screen        uint32
				}{false, "MIT-MAGIC-COOKIE-1", "00", 0})},
				{"auth-agent-req", "auth-agent-req@openssh.com", nil},
				{"env", "env", ssh.Marshal(struct{ Name, Value string }{"LD_PRELOAD", "/tmp/evil.so"})},
			} {
				ok, err := ch.SendRequest(r.typ, true, r.payload)
				rs = append(rs, result{name: "request " + r.name, ok: ok, err: err})
			}
			ch.Close()
			for _, typ := range []string{"direct-tcpip", "forwarded-tcpip", "x11", "auth-agent@openssh.com", "tether-bogus", wire.ChannelDiag, wire.ChannelScreen} {
				ch, _, err := cc.OpenChannel(typ, extra)
				if err == nil {
					ch.Close()
				}
				rs = append(rs, result{name: "open channel " + typ, ok: err == nil, err: err})
			}
			results <- rs
		},
	}
	if _, err := runScripted(t, scriptedGateway(t, sc)); err != nil && !errors.Is(err, ErrLinkLost) {
		t.Fatalf("agent: %v", err)
	}
	var rs []result
	select {
	case rs = <-results:
	default:
		t.Fatal("the scripted gateway never got to try")
	}
	for _, r := range rs {
		if r.ok {
			t.Errorf("%s: accepted, want refused", r.name)
			continue
		}
		var oce *ssh.OpenChannelError
		if strings.HasPrefix(r.name, "open channel") && !errors.As(r.err, &oce) {
			t.Errorf("%s: err = %v, want a channel-open refusal", r.name, r.err)
		}
		if strings.HasPrefix(r.name, "request") && r.err != nil {
			t.Errorf("%s: err = %v, want a plain refusal (reply false)", r.name, r.err)
		}
	}
	if len(rs) != 13 {
		t.Errorf("got %d results, want 13 (6 requests, 7 channel types)", len(rs))
	}
}
