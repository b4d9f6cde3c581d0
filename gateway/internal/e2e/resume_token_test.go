package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/gateway/internal/server"
	"github.com/tetherhq/tether/internal/wire"
	"github.com/tetherhq/tether/internal/wsconn"
)

// handAgent speaks the agent protocol by hand so a test can hold (and
// replay) the resume tokens a real client keeps to itself.
type handAgent struct {
	t *testing.T
	g *gw
	// host is what the agent says of its machine; default pc, linux.
	host wire.HostInfo
}

func (a handAgent) hostInfo() wire.HostInfo {
	if a.host == (wire.HostInfo{}) {
		return wire.HostInfo{Hostname: "pc", OS: "linux"}
	}
	return a.host
}

// exchange dials the agent endpoint, sends first, and for a join answers
// the Offer granting granted. It returns the gateway's Welcome or its
// refusal, and the live link with SSH completed (the confirmation).
func (a handAgent) exchange(first any, granted []string) (wire.Welcome, error) {
	t := a.t
	t.Helper()
	u, _ := url.Parse(a.g.url)
	u.Scheme, u.Path = "wss", "/api/v1/agent"
	d := websocket.Dialer{TLSClientConfig: a.g.tls, HandshakeTimeout: 10 * time.Second}
	ws, _, err := d.Dial(u.String(), nil)
	if err != nil {
		t.Fatalf("agent dial: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	send := func(v any) {
		b, _ := json.Marshal(v)
		if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
			t.Fatalf("agent send: %v", err)
		}
	}
	recv := func() []byte {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, p, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("agent read: %v", err)
		}
		return p
	}
	_, hk, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, _ := ssh.NewSignerFromKey(hk)
	authorized := string(ssh.MarshalAuthorizedKey(hostKey.PublicKey()))
	switch m := first.(type) {
	case wire.Hello:
		send(m)
		if _, err := wire.ParseOffer(recv()); err != nil {
			t.Fatalf("agent: offer: %v", err)
		}
		send(wire.Accept{Type: wire.TypeAccept, Granted: granted, Host: a.hostInfo(), HostKey: authorized})
	case wire.Resume:
		m.HostKey, m.Granted = authorized, granted
		send(m)
	}
	p := recv()
	if typ, _ := wire.MessageType(p); typ == wire.TypeError {
		e, err := wire.ParseError(p)
		if err != nil {
			t.Fatal(err)
		}
		return wire.Welcome{}, e
	}
	welcome, err := wire.ParseWelcome(p)
	if err != nil {
		t.Fatalf("agent: welcome: %v", err)
	}
	gwKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(welcome.GatewayKey))
	if err != nil {
		t.Fatal(err)
	}
	conf := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(k.Marshal(), gwKey.Marshal()) {
			return &ssh.Permissions{}, nil
		}
		return nil, fmt.Errorf("no")
	}}
	conf.AddHostKey(hostKey)
	ws.SetReadDeadline(time.Time{})
	sc, chans, reqs, err := ssh.NewServerConn(wsconn.New(ws), conf)
	if err != nil {
		t.Fatalf("agent ssh: %v", err)
	}
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
			ch.Reject(ssh.Prohibited, "hand agent")
		}
	}()
	return welcome, nil
}

func (a handAgent) resume(id, token string, granted ...string) (wire.Welcome, error) {
	a.t.Helper()
	return a.exchange(wire.Resume{Type: wire.TypeResume, Protocol: wire.ProtocolVersion, SessionID: id, Token: token, Client: "hand",
		Host: a.hostInfo()}, granted)
}

// TestReplayedResumeTokenRefusedAfterRestart: a client joins, the gateway
// restarts, the client resumes with its token and gets a new one. The old
// token, replayed (as by someone who stole it), is refused; the new one
// works; a resume claiming more scopes than the user granted gets only
// what was granted.
func TestReplayedResumeTokenRefusedAfterRestart(t *testing.T) {
	data := t.TempDir()
	g := startGateway(t, func(c *server.Config) { c.DataDir = data })
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell", "diagnostics")
	code, err := wire.NormalizeCode(inv.Code)
	if err != nil {
		t.Fatal(err)
	}
	w1, err := handAgent{t: t, g: g}.exchange(wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Code: code, Client: "hand"}, []string{"shell"})
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	g.waitSession(admin, ticket, "connected")

	addr := g.srv.URL().Host
	g.stop()
	g2 := startGateway(t, func(c *server.Config) { c.DataDir = data; c.Listen = addr })
	admin = g2.login("admin", adminPassword)
	a := handAgent{t: t, g: g2}
	w2, err := a.resume(w1.SessionID, w1.ResumeToken, "shell")
	if err != nil {
		t.Fatalf("resume after the restart: %v", err)
	}
	if w2.ResumeToken == "" || w2.ResumeToken == w1.ResumeToken {
		t.Fatalf("resume Welcome token = %q, want a new one", w2.ResumeToken)
	}
	g2.waitSession(admin, ticket, "connected") // the resume is confirmed before the row says connected

	if _, err := a.resume(w1.SessionID, w1.ResumeToken, "shell"); !errors.Is(err, wire.ErrNoSession) {
		t.Errorf("replayed old token after a confirmed resume: err = %v, want the no_session refusal", err)
	}
	w3, err := a.resume(w1.SessionID, w2.ResumeToken, "shell", "diagnostics", "screen")
	if err != nil {
		t.Fatalf("resume with the current token: %v", err)
	}
	want := []string{"shell"}
	if !slices.Equal(w3.Granted, want) {
		t.Errorf("Welcome granted after a resume claiming more = %v, want %v", w3.Granted, want)
	}
	s := g2.waitSession(admin, ticket, "connected")
	if !slices.Equal(s.Granted, want) {
		t.Errorf("API granted after a resume claiming more = %v, want %v", s.Granted, want)
	}
}
