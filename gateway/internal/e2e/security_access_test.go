package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/server"
)

func TestTechnicianActsOnlyOnAssignedTickets(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	alice := g.addUser(admin, "alice", "technician")
	bob := g.addUser(admin, "bob", "technician")
	auditor := g.addUser(admin, "audrey", "auditor")

	ticket, inv := g.ticketAndInvite(alice, "shell", "diagnostics")
	startClient(t, "join", "--accept", "shell,diagnostics", inv.Join)
	s := g.waitSession(alice, ticket, "connected")
	tp := fmt.Sprintf("/api/v1/tickets/%d", ticket)

	refused := func(who, token, method, path string, body any) {
		t.Helper()
		code, b := g.req(method, path, token, body)
		if code != 403 {
			t.Errorf("%s %s %s: got %d %s, want 403", who, method, path, code, b)
		}
	}
	// bob may read alice's ticket (help-desk norm) ...
	g.must(200, "GET", tp, bob, nil, nil)
	g.must(200, "GET", tp+"/sessions", bob, nil, nil)
	// ... but not act on it.
	code, b := g.req("POST", tp+"/invites", bob, map[string]any{"scopes": []string{"shell"}})
	if code != 403 || !strings.Contains(string(b), "this ticket is assigned to alice") {
		t.Errorf("bob invites on alice's ticket: got %d %s, want 403 naming alice", code, b)
	}
	refused("bob", bob, "PATCH", tp, map[string]any{"status": "resolved"})
	refused("bob", bob, "PATCH", tp, map[string]any{"assigned_to": "bob"})
	refused("bob", bob, "POST", tp+"/escalate", map[string]any{"to": "bob"})
	refused("bob", bob, "POST", "/api/v1/sessions/"+s.ID+"/diagnostics", map[string]any{"checks": []string{"system"}})
	refused("bob", bob, "DELETE", "/api/v1/sessions/"+s.ID, nil)
	if _, resp, err := g.dialShell(bob, s.ID, 80, 24, ""); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("bob opens a shell on alice's session: got %v, want 403", resp)
	}
	// The auditor reads everything and changes nothing.
	g.must(200, "GET", tp, auditor, nil, nil)
	g.must(200, "GET", "/api/v1/audit", auditor, nil, nil)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/tickets", map[string]any{"title": "x"}},
		{"PATCH", tp, map[string]any{"status": "closed"}},
		{"POST", tp + "/invites", map[string]any{"scopes": []string{"shell"}}},
		{"POST", tp + "/escalate", map[string]any{"to": "bob"}},
		{"DELETE", "/api/v1/sessions/" + s.ID, nil},
		{"POST", "/api/v1/sessions/" + s.ID + "/diagnostics", map[string]any{}},
		{"POST", "/api/v1/users", map[string]any{"name": "x", "role": "admin", "password": "long enough password"}},
		{"PATCH", "/api/v1/users/bob", map[string]any{"role": "admin"}},
	} {
		refused("auditor", auditor, c.method, c.path, c.body)
	}
	if _, resp, err := g.dialShell(auditor, s.ID, 80, 24, ""); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("auditor opens a shell: got %v, want 403", resp)
	}
	// alice may not reassign to bob by PATCH: that is escalation or an admin's job.
	refused("alice", alice, "PATCH", tp, map[string]any{"assigned_to": "bob"})

	// alice escalates to bob: the ticket and the live session are bob's now.
	var tk struct {
		AssignedTo string `json:"assigned_to"`
	}
	g.must(200, "POST", tp+"/escalate", alice, map[string]any{"to": "bob", "note": "needs a network person"}, &tk)
	if tk.AssignedTo != "bob" {
		t.Fatalf("after escalation assigned_to = %q, want bob", tk.AssignedTo)
	}
	var sess struct{ Technician string }
	g.must(200, "GET", "/api/v1/sessions/"+s.ID, bob, nil, &sess)
	if sess.Technician != "bob" {
		t.Errorf("after escalation the live session's technician = %q, want bob", sess.Technician)
	}
	refused("alice (after escalating)", alice, "POST", tp+"/invites", map[string]any{"scopes": []string{"shell"}})
	ws, _, err := g.dialShell(bob, s.ID, 80, 24, "")
	if err != nil {
		t.Fatalf("bob opens a shell after escalation: %v", err)
	}
	ws.Close()
	var es []struct {
		Action  string
		Details map[string]any
	}
	g.must(200, "GET", fmt.Sprintf("/api/v1/audit?ticket=%d", ticket), auditor, nil, &es)
	found, denied := false, 0
	for _, e := range es {
		switch e.Action {
		case "ticket.escalate":
			found = e.Details["from"] == "alice" && e.Details["to"] == "bob" && e.Details["note"] == "needs a network person"
		case "access.denied":
			denied++
		}
	}
	if !found {
		t.Errorf("audit has no ticket.escalate alice → bob with the note: %+v", es)
	}
	if denied == 0 {
		t.Error("audit has no access.denied entries for bob's attempts")
	}

	// An admin reassigns; an unassigned ticket can be taken, once.
	g.must(200, "PATCH", tp, admin, map[string]any{"assigned_to": ""}, nil)
	refused("alice (unassigned, not taking)", alice, "PATCH", tp, map[string]any{"status": "in_progress"})
	refused("alice (unassigned)", alice, "POST", tp+"/invites", map[string]any{"scopes": []string{"shell"}})
	g.must(200, "PATCH", tp, alice, map[string]any{"assigned_to": "alice", "status": "in_progress"}, nil)
	refused("bob (alice took it)", bob, "PATCH", tp, map[string]any{"assigned_to": "bob"})
	g.must(201, "POST", tp+"/invites", alice, map[string]any{"scopes": []string{"shell"}}, nil)
	g.must(200, "PATCH", tp, admin, map[string]any{"assigned_to": "bob"}, nil)
	g.must(201, "POST", tp+"/invites", bob, map[string]any{"scopes": []string{"shell"}}, nil)
}

func TestSessionPolicyEndsIdleAndOverlongSessions(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		g := startGateway(t, func(c *server.Config) { c.Security.SessionIdleTimeout = time.Second })
		admin := g.login("admin", adminPassword)
		ticket, inv := g.ticketAndInvite(admin, "shell")
		c := startClient(t, "join", "--accept", "shell", inv.Join)
		g.waitSession(admin, ticket, "connected")
		s := g.waitSession(admin, ticket, "ended")
		if !strings.Contains(s.EndReason, "idle") {
			t.Errorf("end reason %q does not say idle", s.EndReason)
		}
		c.wait(t)
	})
	t.Run("maximum length", func(t *testing.T) {
		g := startGateway(t, func(c *server.Config) { c.Security.SessionMaxLength = time.Second })
		admin := g.login("admin", adminPassword)
		ticket, inv := g.ticketAndInvite(admin, "shell")
		c := startClient(t, "join", "--accept", "shell", inv.Join)
		g.waitSession(admin, ticket, "connected")
		s := g.waitSession(admin, ticket, "ended")
		if !strings.Contains(s.EndReason, "maximum length") {
			t.Errorf("end reason %q does not say maximum length", s.EndReason)
		}
		c.wait(t)
		var es []struct{ Action string }
		g.must(200, "GET", fmt.Sprintf("/api/v1/audit?ticket=%d&action=session.expire", ticket), admin, nil, &es)
		if len(es) != 1 {
			t.Errorf("audit session.expire entries: got %d, want 1", len(es))
		}
	})
}
