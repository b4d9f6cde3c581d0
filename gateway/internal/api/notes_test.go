package api

import (
	"context"
	"strings"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// TestNotesAndTimeline: notes are validated, audited and stored; escalation
// stores its note; resolving needs a resolution note; the timeline merges
// it all newest first and pages.
func TestNotesAndTimeline(t *testing.T) {
	h := newAPIHarness(t)
	tina := h.user("tina", store.RoleTechnician)
	bob := h.user("bob", store.RoleTechnician)
	aud := h.user("otto", store.RoleAuditor)
	var tk ticketJSON
	if code := h.do("POST", "/api/v1/tickets", tina, map[string]string{"title": "vpn"}, &tk); code != 201 {
		t.Fatalf("create ticket: %d", code)
	}
	tp := "/api/v1/tickets/" + itoa(int(tk.ID))
	for _, c := range []struct {
		name string
		tok  string
		body map[string]any
		want int
	}{
		{"empty body", tina, map[string]any{"kind": "note", "body": "  \n "}, 400},
		{"too long", tina, map[string]any{"kind": "note", "body": strings.Repeat("é", 8001)}, 400},
		{"unknown kind", tina, map[string]any{"kind": "gossip", "body": "x"}, 400},
		{"resolution kind", tina, map[string]any{"kind": "resolution", "body": "x"}, 400},
		{"minutes on a note", tina, map[string]any{"kind": "note", "body": "x", "minutes": 5}, 400},
		{"zero minutes", tina, map[string]any{"kind": "worklog", "body": "x", "minutes": 0}, 400},
		{"auditor", aud, map[string]any{"kind": "note", "body": "x"}, 403},
	} {
		if code := h.do("POST", tp+"/notes", c.tok, c.body, nil); code != c.want {
			t.Errorf("%s: %d, want %d", c.name, code, c.want)
		}
	}
	if code := h.do("POST", tp+"/notes", tina, map[string]any{"kind": "note", "body": strings.Repeat("é", 8000)}, nil); code != 201 {
		t.Errorf("8000 characters: %d, want 201", code)
	}
	var n noteJSON
	if code := h.do("POST", tp+"/notes", tina, map[string]any{"kind": "worklog", "body": "  reset the VPN profile  ", "minutes": 20}, &n); code != 201 {
		t.Fatalf("worklog: %d", code)
	}
	if n.Body != "reset the VPN profile" || n.Minutes == nil || *n.Minutes != 20 || n.Author != "tina" || n.Kind != "worklog" {
		t.Errorf("worklog = %+v", n)
	}
	// A colleague who is not the assignee may write a note too.
	if code := h.do("POST", tp+"/notes", bob, map[string]any{"body": "seen this before: check MTU"}, nil); code != 201 {
		t.Errorf("bob's note on tina's ticket: %d, want 201", code)
	}
	if code := h.do("POST", tp+"/escalate", tina, map[string]any{"to": "bob", "note": "needs network team access"}, nil); code != 200 {
		t.Fatalf("escalate: %d", code)
	}
	// Resolving without a resolution note is refused and changes nothing.
	var e errorJSON
	if code := h.do("PATCH", tp, bob, map[string]any{"status": "resolved"}, &e); code != 400 || e.Code != codeResolutionRequired {
		t.Errorf("resolve without a note: %d %+v, want 400 %s", code, e, codeResolutionRequired)
	}
	if code := h.do("PATCH", tp, bob, map[string]any{"status": "in_progress", "resolution": "x"}, nil); code != 400 {
		t.Errorf("resolution without resolving: %d, want 400", code)
	}
	if got, _ := h.st.Ticket(context.Background(), tk.ID); got.Status != store.StatusOpen {
		t.Errorf("status after refusals = %q, want open", got.Status)
	}
	if code := h.do("PATCH", tp, bob, map[string]any{"status": "resolved", "resolution": "MTU 1400 on the VPN adapter"}, nil); code != 200 {
		t.Fatalf("resolve: %d", code)
	}
	var tl timelineJSON
	if code := h.do("GET", tp+"/timeline", aud, nil, &tl); code != 200 {
		t.Fatalf("timeline: %d", code)
	}
	var kinds []string
	for _, it := range tl.Items {
		kinds = append(kinds, it.Kind)
	}
	want := "status resolution escalation note worklog note created"
	if got := strings.Join(kinds, " "); got != want || tl.More {
		t.Fatalf("timeline kinds = %q (more %v), want %q", got, tl.More, want)
	}
	if it := tl.Items[2]; it.Actor != "tina" || it.Text != "escalated to bob: needs network team access" || it.Links.Ticket != tk.ID {
		t.Errorf("escalation item = %+v", it)
	}
	if it := tl.Items[1]; it.Actor != "bob" || it.Text != "MTU 1400 on the VPN adapter" {
		t.Errorf("resolution item = %+v", it)
	}
	if it := tl.Items[0]; it.Text != "status open → resolved" {
		t.Errorf("status item = %+v", it)
	}
	// Paging: two at a time, before the last one's time.
	var p1, p2 timelineJSON
	h.do("GET", tp+"/timeline?limit=2", tina, nil, &p1)
	if len(p1.Items) != 2 || !p1.More {
		t.Fatalf("page 1: %d items, more %v", len(p1.Items), p1.More)
	}
	h.do("GET", tp+"/timeline?limit=2&before="+p1.Items[1].At.Format("2006-01-02T15:04:05.999999999Z07:00"), tina, nil, &p2)
	if len(p2.Items) != 2 || p2.Items[0].Kind != "escalation" {
		t.Errorf("page 2 = %+v", p2.Items)
	}
	for _, q := range []string{"?limit=0", "?limit=201", "?before=yesterday"} {
		if code := h.do("GET", tp+"/timeline"+q, tina, nil, nil); code != 400 {
			t.Errorf("timeline%s: %d, want 400", q, code)
		}
	}
	// Every note has its ticket.note entry; the body is not in the log.
	es, err := h.st.ListAudit(context.Background(), store.AuditFilter{TicketID: tk.ID, Action: audit.ActionTicketNote})
	if err != nil || len(es) != 5 {
		t.Fatalf("ticket.note entries = %d, %v; want 5", len(es), err)
	}
	for _, e := range es {
		if strings.Contains(string(e.Details), "VPN") || !strings.Contains(string(e.Details), `"sha256"`) {
			t.Errorf("ticket.note details = %s", e.Details)
		}
	}
}
