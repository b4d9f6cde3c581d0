package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
)

// inviteEvent is the payload of an `invite` event.
type inviteEvent struct {
	Code      string  `json:"code"`
	TicketID  int64   `json:"ticket_id"`
	State     string  `json:"state"`
	UsedAt    *string `json:"used_at"`
	SessionID string  `json:"session_id"`
}

// untilInvite reads the stream until an invite event for code arrives.
func (s *sse) untilInvite(t *testing.T, code string) inviteEvent {
	t.Helper()
	for {
		got, found := s.until(t, "invite")
		if !found {
			t.Fatalf("the stream ended before an invite event for %s: %v", code, got)
		}
		var ev inviteEvent
		if err := json.Unmarshal([]byte(got[len(got)-1][1]), &ev); err != nil {
			t.Fatalf("invite event %s: %v", got[len(got)-1][1], err)
		}
		if ev.Code == code {
			return ev
		}
	}
}

// TestInviteEvent: a console learns from the event stream, without asking,
// that an invite was used by a real client (with the session it started)
// or withdrawn by a technician.
func TestInviteEvent(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "alice", "technician")
	watcher := g.openEvents(t, g.addUser(admin, "bob", "technician"))

	ticket, inv := g.ticketAndInvite(tech, "diagnostics")
	startClient(t, "join", "--accept", "diagnostics", inv.Join)
	s := g.waitSession(tech, ticket, "connected")
	ev := watcher.untilInvite(t, inv.Code)
	if ev.State != "used" || ev.TicketID != ticket || ev.SessionID != s.ID || ev.UsedAt == nil {
		t.Errorf("used invite event = %+v, want state used, ticket %d, session %s, used_at set", ev, ticket, s.ID)
	}

	var other invite
	g.must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/invites", ticket), tech, map[string]any{"scopes": []string{"shell"}}, &other)
	g.must(204, "DELETE", fmt.Sprintf("/api/v1/tickets/%d/invites/%s", ticket, other.Code), tech, nil, nil)
	ev = watcher.untilInvite(t, other.Code)
	if ev.State != "withdrawn" || ev.TicketID != ticket || ev.UsedAt != nil {
		t.Errorf("withdrawn invite event = %+v, want state withdrawn, ticket %d, not used", ev, ticket)
	}
}
