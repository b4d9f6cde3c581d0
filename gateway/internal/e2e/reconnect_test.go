package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/gateway/internal/server"
)

// TestReconnectAfterGatewayRestart stops the gateway (gracefully, as on
// SIGTERM) while a shell is open, starts a new one on the same data
// directory and port, and checks that the same session comes back without
// a new invite, the open shell was reported as interrupted, and its
// recording is sealed and valid.
func TestReconnectAfterGatewayRestart(t *testing.T) {
	data := t.TempDir()
	g := startGateway(t, func(c *server.Config) { c.DataDir = data })
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	c := startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(admin, ticket, "connected")
	ws, _, err := g.dialShell(admin, s.ID, 80, 24, "")
	if err != nil {
		t.Fatalf("dial shell: %v", err)
	}
	m := marker(t)
	ws.WriteMessage(websocket.BinaryMessage, []byte("echo "+m[:5]+"''"+m[5:]+"\n"))
	readUntil(t, ws, m)

	addr := g.srv.URL().Host
	g.stop()
	// The technician was told why the shell ended.
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var sawExit bool
	for {
		typ, p, err := ws.ReadMessage()
		if err != nil {
			break
		}
		if typ == websocket.TextMessage && strings.Contains(string(p), `"exit"`) {
			sawExit = true
		}
	}
	if !sawExit {
		t.Error("the technician's shell got no exit message when the gateway stopped")
	}
	c.waitOutput(t, "reconnecting")
	// The user reads the real reason on the client's terminal: the gateway
	// restarts (it used to read "Administrator closed the shell.").
	c.waitOutput(t, "The shell closed: the gateway is restarting")
	if out := c.out.String(); strings.Contains(out, "closed the shell.") {
		t.Errorf("the user was told a person closed the shell on a gateway restart:\n%s", out)
	}

	g2 := startGateway(t, func(c *server.Config) { c.DataDir = data; c.Listen = addr })
	admin = g2.login("admin", adminPassword)
	back := g2.waitSession(admin, ticket, "connected")
	if back.ID != s.ID {
		t.Fatalf("after restart: session %s connected, want the same session %s", back.ID, s.ID)
	}
	// The interrupted shell's recording is sealed and verifies.
	var detail struct{ Recordings []recording }
	g2.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", ticket), admin, nil, &detail)
	if len(detail.Recordings) != 1 || detail.Recordings[0].State != "interrupted" || detail.Recordings[0].SHA256 == "" {
		t.Fatalf("recordings after restart: got %+v, want one interrupted with a seal", detail.Recordings)
	}
	var meta struct{ Verified bool }
	g2.must(200, "GET", "/api/v1/recordings/"+detail.Recordings[0].ID+"/meta", admin, nil, &meta)
	if !meta.Verified {
		t.Error("the interrupted recording does not verify")
	}
	_, body := g2.req("GET", "/api/v1/recordings/"+detail.Recordings[0].ID, admin, nil)
	if _, evs := castEvents(t, body); !strings.Contains(outputOf(evs), m) {
		t.Error("the interrupted recording lost the marker")
	}
	// A new shell works on the resumed session.
	ws2, _, err := g2.dialShell(admin, s.ID, 80, 24, "")
	if err != nil {
		t.Fatalf("shell after resume: %v", err)
	}
	defer ws2.Close()
	m2 := marker(t)
	ws2.WriteMessage(websocket.BinaryMessage, []byte("echo "+m2[:5]+"''"+m2[5:]+"\n"))
	readUntil(t, ws2, m2)
}
