package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestErrorCodes: error answers carry a stable code beside the words (see
// docs/api.md), and the web UI switches on it.
func TestErrorCodes(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	alice := g.addUser(admin, "alice", "technician")
	bob := g.addUser(admin, "bob", "technician")
	auditor := g.addUser(admin, "audrey", "auditor")

	ticket, inv := g.ticketAndInvite(alice, "shell", "diagnostics")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(alice, ticket, "connected")
	tp := fmt.Sprintf("/api/v1/tickets/%d", ticket)

	type answer struct {
		Error      string  `json:"error"`
		Code       string  `json:"code"`
		AssignedTo *string `json:"assigned_to"`
	}
	check := func(what string, wantStatus int, wantCode, method, path, token string, body any) answer {
		t.Helper()
		status, b := g.req(method, path, token, body)
		var a answer
		if err := json.Unmarshal(b, &a); err != nil || status != wantStatus || a.Code != wantCode || a.Error == "" {
			t.Errorf("%s: got %d %s, want %d with code %q", what, status, b, wantStatus, wantCode)
		}
		return a
	}

	check("no token", 401, "unauthorized", "GET", "/api/v1/me", "", nil)
	check("wrong password", 401, "invalid_credentials", "POST", "/api/v1/login", "", map[string]string{"username": "alice", "password": "nope"})
	check("no such ticket", 404, "not_found", "GET", "/api/v1/tickets/999999", admin, nil)
	check("no such endpoint", 404, "not_found", "GET", "/api/v1/nothing-here", admin, nil)
	check("empty title", 400, "invalid_input", "POST", "/api/v1/tickets", alice, map[string]string{"title": ""})
	check("unknown field", 400, "invalid_input", "POST", "/api/v1/tickets", alice, map[string]string{"title": "x", "colour": "red"})
	check("auditor creates a ticket", 403, "forbidden", "POST", "/api/v1/tickets", auditor, map[string]string{"title": "x"})
	if a := check("bob invites on alice's ticket", 403, "not_assigned", "POST", tp+"/invites", bob, map[string]any{"scopes": []string{"shell"}}); a.AssignedTo == nil || *a.AssignedTo != "alice" {
		t.Errorf("not_assigned: assigned_to = %v, want alice", a.AssignedTo)
	}
	check("diagnostics the user did not grant", 403, "scope_not_granted", "POST", "/api/v1/sessions/"+s.ID+"/diagnostics", alice, map[string]any{"checks": []string{"system"}})

	g.must(204, "DELETE", "/api/v1/sessions/"+s.ID, alice, nil, nil)
	g.waitSession(alice, ticket, "ended")
	check("end an ended session", 409, "session_not_connected", "DELETE", "/api/v1/sessions/"+s.ID, alice, nil)
	check("diagnostics on an ended session", 409, "session_not_connected", "POST", "/api/v1/sessions/"+s.ID+"/diagnostics", alice, map[string]any{"checks": []string{"system"}})
}
