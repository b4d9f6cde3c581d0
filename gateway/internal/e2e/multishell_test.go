package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestTwoShellsAtOnce: one session, two shells open together, each with its
// own output and its own recording.
func TestTwoShellsAtOnce(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(admin, ticket, "connected")
	var wss []*websocket.Conn
	var marks []string
	for i := 0; i < 2; i++ {
		ws, _, err := g.dialShell(admin, s.ID, 80, 24, "")
		if err != nil {
			t.Fatalf("shell %d: %v", i, err)
		}
		defer ws.Close()
		wss = append(wss, ws)
		marks = append(marks, marker(t))
	}
	for i, ws := range wss {
		m := marks[i]
		ws.WriteMessage(websocket.BinaryMessage, []byte("echo "+m[:5]+"''"+m[5:]+"\n"))
	}
	for i, ws := range wss {
		out := readUntil(t, ws, marks[i])
		if strings.Contains(out, marks[1-i]) {
			t.Errorf("shell %d shows the other shell's output", i)
		}
		ws.WriteMessage(websocket.BinaryMessage, []byte("exit\n"))
	}
	var detail struct{ Recordings []recording }
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", ticket), admin, nil, &detail)
		if len(detail.Recordings) == 2 && detail.Recordings[0].State == "sealed" && detail.Recordings[1].State == "sealed" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(detail.Recordings) != 2 {
		t.Fatalf("recordings: got %d, want 2", len(detail.Recordings))
	}
	seen := 0
	for _, r := range detail.Recordings {
		_, body := g.req("GET", "/api/v1/recordings/"+r.ID, admin, nil)
		_, evs := castEvents(t, body)
		out := outputOf(evs)
		a, b := strings.Contains(out, marks[0]), strings.Contains(out, marks[1])
		if a == b {
			t.Errorf("recording %s holds marker 0: %v, marker 1: %v; want exactly one", r.ID, a, b)
		}
		if a {
			seen |= 1
		} else {
			seen |= 2
		}
	}
	if seen != 3 {
		t.Errorf("the two recordings do not cover both shells")
	}
}
