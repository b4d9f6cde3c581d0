package api

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// TestListLiveSessions: GET /sessions lists the open sessions of every
// ticket with their ticket, filtered by state; a bad state is a 400 that
// says which states exist; signing in is required.
func TestListLiveSessions(t *testing.T) {
	h := newAPIHarness(t)
	tech := h.user("tina", store.RoleTechnician)
	auditor := h.user("otto", store.RoleAuditor)
	ctx := context.Background()
	mine := &store.Ticket{Title: "VPN drops", CreatedBy: "tina", AssignedTo: "tina", Status: store.StatusOpen}
	other := &store.Ticket{Title: "Printer <b>", CreatedBy: "tina", Status: store.StatusOpen}
	for _, tk := range []*store.Ticket{mine, other} {
		if err := h.st.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []*store.Session{
		{ID: "s_wait", TicketID: mine.ID, Technician: "tina", State: store.SessionWaiting, Host: store.HostInfo{Hostname: "pc1", User: "alice"}},
		{ID: "s_conn", TicketID: other.ID, Technician: "tina", State: store.SessionConnected, Granted: []string{"shell"}, Host: store.HostInfo{Hostname: "pc2"}},
		{ID: "s_done", TicketID: mine.ID, Technician: "tina", State: store.SessionEnded},
	} {
		if err := h.st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	type row struct {
		ID      string   `json:"id"`
		State   string   `json:"state"`
		Granted []string `json:"granted"`
		Host    struct {
			Hostname string `json:"hostname"`
			User     string `json:"user"`
		} `json:"host"`
		Ticket struct {
			ID         int64  `json:"id"`
			Title      string `json:"title"`
			Status     string `json:"status"`
			AssignedTo string `json:"assigned_to"`
		} `json:"ticket"`
	}
	ids := func(rs []row) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{"s_wait", "s_conn"}},
		{"?state=live", []string{"s_wait", "s_conn"}},
		{"?state=waiting", []string{"s_wait"}},
		{"?state=connected", []string{"s_conn"}},
	} {
		var got []row
		if code := h.do("GET", "/api/v1/sessions"+c.query, tech, nil, &got); code != 200 {
			t.Fatalf("GET /sessions%s: %d, want 200", c.query, code)
		}
		if diff := cmp.Diff(c.want, ids(got)); diff != "" {
			t.Errorf("GET /sessions%s ids (-want +got):\n%s", c.query, diff)
		}
	}

	var got []row
	if code := h.do("GET", "/api/v1/sessions", auditor, nil, &got); code != 200 || len(got) != 2 {
		t.Fatalf("auditor GET /sessions: %d, %d rows; want 200 and 2 (auditors read sessions)", code, len(got))
	}
	w := got[0]
	if w.Ticket.ID != mine.ID || w.Ticket.Title != "VPN drops" || w.Ticket.AssignedTo != "tina" || w.Ticket.Status != store.StatusOpen ||
		w.Host.User != "alice" || w.Host.Hostname != "pc1" || w.State != store.SessionWaiting {
		t.Errorf("first row = %+v, want s_wait on ticket %d (VPN drops, open, tina) from alice@pc1", w, mine.ID)
	}
	if c := got[1]; c.Ticket.AssignedTo != "" || c.Ticket.Title != "Printer <b>" || !cmp.Equal(c.Granted, []string{"shell"}) {
		t.Errorf("second row = %+v, want the unassigned ticket with shell granted", c)
	}

	var e struct {
		Error string `json:"error"`
	}
	if code := h.do("GET", "/api/v1/sessions?state=ended", tech, nil, &e); code != 400 || e.Error != "state must be live, waiting or connected" {
		t.Errorf("GET /sessions?state=ended: %d %q, want 400 naming the states", code, e.Error)
	}
	if code := h.do("GET", "/api/v1/sessions", "", nil, nil); code != 401 {
		t.Errorf("GET /sessions signed out: %d, want 401", code)
	}
}
