package broker

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/gateway/internal/store/sqlite"
	"github.com/tetherhq/tether/internal/wire"
	"github.com/tetherhq/tether/internal/wsconn"
)

// harness is a real Broker behind a real HTTP server, on a real SQLite
// file, with the agent's side of the protocol spoken by hand.
type harness struct {
	t *testing.T
	// channels, when set, serves the channels the gateway opens on links
	// joined from now on (the default agent refuses them all).
	channels func(ssh.NewChannel)
	b        *Broker
	st       *sqlite.Store
	url      string
	audit    *auditLog
	clock    *clock
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// auditLog keeps the events the broker records.
type auditLog struct {
	mu sync.Mutex
	es []audit.Event
}

func (a *auditLog) Record(_ context.Context, e audit.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.es = append(a.es, e)
	return nil
}

func (a *auditLog) count(action string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, e := range a.es {
		if e.Action == action {
			n++
		}
	}
	return n
}

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newHarness(t *testing.T, mod ...func(*Config)) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tether.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, st: st, audit: &auditLog{}, clock: &clock{t: time.Now()}}
	cfg := Config{Store: st, Audit: h.audit, SSHKey: newSigner(t), HandshakeTimeout: 5 * time.Second, Clock: h.clock.now}
	for _, m := range mod {
		m(&cfg)
	}
	if h.b, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	// The HTTP side is the api package's (GET /api/v1/agent); here it is
	// the least that hands Accept an upgraded WebSocket.
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		h.b.Accept(r.Context(), ws, r.RemoteAddr)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.b.Close(ctx, "test over"); err != nil {
			t.Errorf("broker close: %v", err)
		}
	})
	h.url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/agent"
	return h
}

// invite creates a ticket and an invite asking for scopes.
func (h *harness) invite(scopes ...string) string {
	h.t.Helper()
	ctx := context.Background()
	tk := &store.Ticket{Title: "printer", CreatedBy: "alice"}
	if err := h.st.CreateTicket(ctx, tk); err != nil {
		h.t.Fatal(err)
	}
	code, _ := wire.NormalizeCode(wire.NewCode())
	if err := h.st.CreateInvite(ctx, &store.Invite{Code: code, TicketID: tk.ID, CreatedBy: "alice", Scopes: scopes, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		h.t.Fatal(err)
	}
	return code
}

// link is one agent connection.
type link struct {
	channels func(ssh.NewChannel) // nil: refuse every channel
	ws       *websocket.Conn
	welcome  wire.Welcome
	hostKey  ssh.Signer
	sc       *ssh.ServerConn
}

func (l *link) close() {
	if l.sc != nil {
		l.sc.Close()
	}
	l.ws.Close()
}

func (h *harness) dial() *websocket.Conn {
	h.t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(h.url, nil)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	h.t.Cleanup(func() { ws.Close() })
	return ws
}

func send(t *testing.T, ws *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatalf("send %T: %v", v, err)
	}
}

// recvWelcome reads a Welcome, or returns the gateway's refusal as an error.
func recvWelcome(t *testing.T, ws *websocket.Conn) (wire.Welcome, error) {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, p, err := ws.ReadMessage()
	if err != nil {
		return wire.Welcome{}, err
	}
	if typ, _ := wire.MessageType(p); typ == wire.TypeError {
		e, err := wire.ParseError(p)
		if err != nil {
			t.Fatal(err)
		}
		return wire.Welcome{}, e
	}
	w, err := wire.ParseWelcome(p)
	if err != nil {
		t.Fatalf("welcome: %v", err)
	}
	return w, nil
}

// serveSSH runs the agent's SSH server side on l until it closes; the
// handshake completing is what confirms a resume to the gateway.
func (l *link) serveSSH(t *testing.T) {
	t.Helper()
	gwKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(l.welcome.GatewayKey))
	if err != nil {
		t.Fatal(err)
	}
	conf := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(k.Marshal(), gwKey.Marshal()) {
			return &ssh.Permissions{}, nil
		}
		return nil, errors.New("no")
	}}
	conf.AddHostKey(l.hostKey)
	l.ws.SetReadDeadline(time.Time{})
	sc, chans, reqs, err := ssh.NewServerConn(wsconn.New(l.ws), conf)
	if err != nil {
		t.Fatalf("agent ssh: %v", err)
	}
	l.sc = sc
	t.Cleanup(func() { sc.Close() })
	go func() {
		for r := range reqs {
			if r.WantReply {
				r.Reply(true, nil)
			}
		}
	}()
	go func() {
		for ch := range chans {
			if l.channels != nil {
				go l.channels(ch)
				continue
			}
			ch.Reject(ssh.Prohibited, "test agent")
		}
	}()
}

// join joins with code, granting granted, and completes SSH.
func (h *harness) join(code string, granted ...string) *link {
	h.t.Helper()
	ws := h.dial()
	send(h.t, ws, wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Code: code, Client: "test"})
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, p, err := ws.ReadMessage(); err != nil {
		h.t.Fatalf("read offer: %v", err)
	} else if _, err := wire.ParseOffer(p); err != nil {
		h.t.Fatalf("offer: %v", err)
	}
	l := &link{ws: ws, hostKey: newSigner(h.t), channels: h.channels}
	send(h.t, ws, wire.Accept{Type: wire.TypeAccept, Granted: granted, Host: wire.HostInfo{Hostname: "pc", OS: "linux"},
		HostKey: string(ssh.MarshalAuthorizedKey(l.hostKey.PublicKey()))})
	w, err := recvWelcome(h.t, ws)
	if err != nil {
		h.t.Fatalf("join refused: %v", err)
	}
	l.welcome = w
	l.serveSSH(h.t)
	h.waitLive(w.SessionID)
	return l
}

// resume sends a Resume for session id with token, claiming granted. It
// returns the refusal as an error. With completeSSH the SSH handshake
// runs (the confirmation); without it the link hangs up right after the
// Welcome, as when that Welcome is lost.
func (h *harness) resume(id, token string, completeSSH bool, granted ...string) (*link, error) {
	h.t.Helper()
	ws := h.dial()
	l := &link{ws: ws, hostKey: newSigner(h.t)}
	send(h.t, ws, wire.Resume{Type: wire.TypeResume, Protocol: wire.ProtocolVersion, SessionID: id, Token: token, Client: "test",
		Granted: granted, Host: wire.HostInfo{Hostname: "pc", OS: "linux"}, HostKey: string(ssh.MarshalAuthorizedKey(l.hostKey.PublicKey()))})
	w, err := recvWelcome(h.t, ws)
	if err != nil {
		ws.Close()
		return nil, err
	}
	l.welcome = w
	if !completeSSH {
		ws.Close()
		return l, nil
	}
	l.serveSSH(h.t)
	h.waitLive(id)
	return l, nil
}

// waitLive waits until the session's row says connected, which the broker
// writes once it serves the session (after any resume is confirmed).
func (h *harness) waitLive(id string) {
	h.t.Helper()
	h.waitState(id, store.SessionConnected)
}

func (h *harness) waitState(id, state string) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := h.st.Session(context.Background(), id)
		if err == nil && s.State == state {
			if _, err := h.b.Live(id); (err == nil) == (state == store.SessionConnected) {
				return
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("session %s: state %v (err %v), want %s", id, s, err, state)
		}
		time.Sleep(10 * time.Millisecond) // polling a row; the broker offers no hook for it
	}
}
