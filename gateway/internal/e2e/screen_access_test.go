//go:build linux

package e2e

import (
	"testing"
)

// TestScreenOfAnotherTechniciansTicketIsRefused: technicians read every
// ticket but act only on their own; watching a user's screen is acting. bob
// is refused vera's live screen with 403 (before any channel is opened on the
// client) and the refusal is audited, while vera, the assignee, is let in.
func TestScreenOfAnotherTechniciansTicketIsRefused(t *testing.T) {
	g, vera, s, _, c := screenSetup(t, "screen")
	admin := g.login("admin", adminPassword)
	bob := g.addUser(admin, "bob", "technician")
	auditor := g.addUser(admin, "audrey", "auditor")

	for _, tt := range []struct {
		who, token string
		query      string
		want       int
	}{
		{"bob (not the assignee), WebRTC", bob, "", 403},
		{"bob (not the assignee), WebSocket", bob, "transport=websocket", 403},
		{"audrey (auditor)", auditor, "", 403},
	} {
		ws, code, err := g.dialScreen(tt.token, s.ID, tt.query)
		if err == nil {
			ws.Close()
		}
		if code != tt.want {
			t.Errorf("%s opens the screen: got status %d (%v), want %d", tt.who, code, err, tt.want)
		}
	}
	// The assignee is let in: the refusals above are about who asks.
	v := g.watchScreen(t, vera, s.ID, "transport=websocket")
	c.waitOutput(t, "is viewing your screen.")
	v.close()

	var es []struct {
		Actor, Action string
		Details       map[string]any
	}
	g.must(200, "GET", "/api/v1/audit?action=access.denied", admin, nil, &es)
	denied := 0
	for _, e := range es {
		if e.Actor == "bob" && e.Details["action"] == "screen.view" {
			denied++
		}
	}
	if denied != 2 {
		t.Errorf("access.denied entries for bob's screen.view: got %d, want 2; entries: %+v", denied, es)
	}
}
