package e2e

import (
	"fmt"
	"strings"
	"testing"
)

func TestWithdrawInvite(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	path := fmt.Sprintf("/api/v1/tickets/%d/invites/%s", ticket, inv.Code)
	g.must(204, "DELETE", path, admin, nil, nil)
	var info struct{ State string }
	g.must(200, "GET", "/api/v1/join/"+inv.Code, "", nil, &info)
	if info.State != "expired" {
		t.Errorf("join info after withdraw: %q, want expired", info.State)
	}
	c := startClient(t, "join", "--accept", "shell", inv.Join)
	if code := c.wait(t); code != 1 || !strings.Contains(c.out.String(), "expired") {
		t.Errorf("join after withdraw: exit %d, output:\n%s", code, c.out.String())
	}
	// A used invite cannot be withdrawn; an unknown one is 404.
	ticket2, used := g.ticketAndInvite(admin, "shell")
	startClient(t, "join", "--accept", "shell", used.Join)
	g.waitSession(admin, ticket2, "connected")
	if code, _ := g.req("DELETE", fmt.Sprintf("/api/v1/tickets/%d/invites/%s", ticket2, used.Code), admin, nil); code != 409 {
		t.Errorf("withdraw a used invite: got %d, want 409", code)
	}
	if code, _ := g.req("DELETE", fmt.Sprintf("/api/v1/tickets/%d/invites/%s", ticket2, inv.Code), admin, nil); code != 404 {
		t.Errorf("withdraw another ticket's invite: got %d, want 404", code)
	}
}
