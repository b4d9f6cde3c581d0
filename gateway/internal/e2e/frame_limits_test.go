//go:build linux

package e2e

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The gateway's read limits for one message from the browser
// (gateway/internal/api: shellMaxMessage, screenSignalMax).
const (
	shellMaxMessage = 64 << 10
	screenSignalMax = 6*64<<10 + 5<<10 // a control may carry clipboard text (docs/screen.md)
)

// waitClose reads ws (discarding messages) until it fails, for at most
// within, and returns how long that took and the error.
func waitClose(ws *websocket.Conn, within time.Duration) (time.Duration, error) {
	start := time.Now()
	ws.SetReadDeadline(start.Add(within))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return time.Since(start), err
		}
	}
}

// checkTooBig fails unless err is a close with status 1009 (message too big).
func checkTooBig(t *testing.T, what string, err error, took time.Duration) {
	t.Helper()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Errorf("%s: the WebSocket ended with %v after %v, want a close with status 1009 (message too big)", what, err, took.Round(time.Millisecond))
	}
}

// sendBig writes one message of n bytes without waiting for it to be read
// (the gateway stops reading at the frame header).
func sendBig(ws *websocket.Conn, typ, n int) {
	b := bytes.Repeat([]byte("A"), n)
	if typ == websocket.TextMessage {
		b = []byte(`{"type":"answer","sdp":"` + strings.Repeat("a", n) + `"}`)
	}
	go ws.WriteMessage(typ, b) // fails once the gateway closes; the read side reports
}

// TestOversizedShellFrameCloses1009: a terminal message over the shell's
// read limit closes the socket with 1009 at once, instead of being buffered
// and typed into the user's shell.
func TestOversizedShellFrameCloses1009(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(admin, ticket, "connected")
	for _, tt := range []struct {
		name string
		typ  int
		size int
	}{
		{"binary, one byte over", websocket.BinaryMessage, shellMaxMessage + 1},
		{"binary, 1 MiB", websocket.BinaryMessage, 1 << 20},
		{"text (control), one byte over", websocket.TextMessage, shellMaxMessage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws, _, err := g.dialShell(admin, s.ID, 80, 24, "")
			if err != nil {
				t.Fatalf("dial shell: %v", err)
			}
			defer ws.Close()
			m := marker(t)
			ws.WriteMessage(websocket.BinaryMessage, []byte("echo "+m[:5]+"''"+m[5:]+"\n"))
			readUntil(t, ws, m) // the shell works before the big message
			sendBig(ws, tt.typ, tt.size)
			took, err := waitClose(ws, 5*time.Second) // "quickly": well within 5 s
			checkTooBig(t, "shell", err, took)
		})
	}
}

// TestOversizedScreenFrameCloses1009: a signaling message over the screen
// socket's read limit closes it with 1009 at once, on either transport.
func TestOversizedScreenFrameCloses1009(t *testing.T) {
	g, tech, s, _, _ := screenSetup(t, "screen")
	for _, tt := range []struct {
		name, query string
		typ, size   int
	}{
		{"WebRTC, text one byte over", "", websocket.TextMessage, screenSignalMax},
		{"WebSocket, text 1 MiB", "transport=websocket", websocket.TextMessage, 1 << 20},
		{"WebSocket, binary one byte over", "transport=websocket", websocket.BinaryMessage, screenSignalMax + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws, code, err := g.dialScreen(tech, s.ID, tt.query)
			if err != nil {
				t.Fatalf("dial screen: status %d: %v", code, err)
			}
			defer ws.Close()
			var hello screenSig
			ws.SetReadDeadline(time.Now().Add(20 * time.Second))
			if err := ws.ReadJSON(&hello); err != nil || hello.Type != "hello" {
				t.Fatalf("first message: %+v, %v; want a hello", hello, err)
			}
			sendBig(ws, tt.typ, tt.size)
			took, err := waitClose(ws, 5*time.Second)
			checkTooBig(t, "screen", err, took)
		})
	}
}
