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
//
// The gateway allows 30 guesses, then one per 2 s (server.go). On a loaded
// machine 31 handshakes can take over 2 s, so the 31st may be allowed: the
// test guesses until refused and bounds the guesses by the elapsed time.
func TestJoinCodeGuessingIsLimited(t *testing.T) {
	const burst, every = 30, 2 * time.Second
	g := startGateway(t)
	start := time.Now()
	allowed := 0
	for refused := false; !refused; {
		p := g.agentSay(t, wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Code: wire.NewCode()})
		e, err := wire.ParseError(p)
		if err != nil {
			t.Fatalf("guess %d: %v (%s)", allowed+1, err, p)
		}
		switch e.Code {
		case wire.ErrCodeRateLimited:
			refused = true
		case wire.ErrCodeUnknown:
			allowed++
		default:
			t.Fatalf("guess %d: got %q, want %q or %q", allowed+1, e.Code, wire.ErrCodeUnknown, wire.ErrCodeRateLimited)
		}
		if max := burst + int(time.Since(start)/every) + 1; allowed > max {
			t.Fatalf("%d guesses allowed in %v, want at most %d (%d, then one per %v)", allowed, time.Since(start).Round(time.Millisecond), max, burst, every)
		}
	}
	if allowed < burst {
		t.Errorf("refused after %d guesses, want at least %d allowed", allowed, burst)
	}
	p := g.agentSay(t, wire.Resume{Type: wire.TypeResume, Protocol: wire.ProtocolVersion, SessionID: "s_nosuchsession", Token: "x", HostKey: "ssh-ed25519 AAAA"})
	if e, err := wire.ParseError(p); err != nil || e.Code != wire.ErrCodeNoSession {
		t.Errorf("resume while code guessing is limited: got %s, want no_session (not rate_limited)", p)
	}
}
