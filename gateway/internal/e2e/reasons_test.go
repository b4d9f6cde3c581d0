package e2e

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestTechnicianClosesShellUserReadsWho: the technician closes the shell
// page; the gateway's close notice (technician_ended) makes the user's side
// say who closed it, and nothing about a restart or a lost link.
func TestTechnicianClosesShellUserReadsWho(t *testing.T) {
	g := startGateway(t)
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
	ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	ws.Close()
	c.waitOutput(t, "Administrator closed the shell.")
	if out := c.out.String(); strings.Contains(out, "The shell closed:") {
		t.Errorf("the user read another reason than the technician closing it:\n%s", out)
	}
}
