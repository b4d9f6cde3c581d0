package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/internal/wire"
)

// agentSay dials the agent endpoint, sends one handshake message and
// returns the gateway's first answer.
func (g *gw) agentSay(t *testing.T, msg any) []byte {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: g.tls, HandshakeTimeout: 10 * time.Second}
	ws, resp, err := d.Dial("wss://"+g.srv.URL().Host+"/api/v1/agent", http.Header{})
	if err != nil {
		t.Fatalf("dial agent endpoint: %v (%v)", err, resp)
	}
	defer ws.Close()
	b, _ := json.Marshal(msg)
	ws.WriteMessage(websocket.TextMessage, b)
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, p, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return p
}

// TestJoinCodeGuessingIsLimited: invite codes guessed from one address are
// refused after a burst, while resumes (which prove themselves with a
// 256-bit token) are not held back by that limit.
func TestJoinCodeGuessingIsLimited(t *testing.T) {
	g := startGateway(t)
	var last *wire.Error
	for i := 0; i < 31; i++ {
		p := g.agentSay(t, wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Code: wire.NewCode()})
		e, err := wire.ParseError(p)
		if err != nil {
			t.Fatalf("attempt %d: %v (%s)", i, err, p)
		}
		last = e
	}
	if last.Code != wire.ErrCodeRateLimited {
		t.Fatalf("31st guess: got %q, want %q", last.Code, wire.ErrCodeRateLimited)
	}
	p := g.agentSay(t, wire.Resume{Type: wire.TypeResume, Protocol: wire.ProtocolVersion, SessionID: "s_nosuchsession", Token: "x", HostKey: "ssh-ed25519 AAAA"})
	if e, err := wire.ParseError(p); err != nil || e.Code != wire.ErrCodeNoSession {
		t.Errorf("resume while code guessing is limited: got %s, want no_session (not rate_limited)", p)
	}
}
