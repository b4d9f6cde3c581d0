package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
)

type diagResult struct {
	Name, Status, Summary string
	Data                  map[string]any
}

type diagReport struct {
	ID        string
	SessionID string `json:"session_id"`
	Results   []diagResult
}

func TestDiagnosticsEndToEnd(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "lena", "technician")
	ticket, inv := g.ticketAndInvite(tech, "diagnostics")
	c := startClient(t, "join", "--accept", "diagnostics", inv.Join)
	s := g.waitSession(tech, ticket, "connected")

	open, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	closedL, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closedL.Addr().String()
	closedL.Close()

	var rep diagReport
	g.must(200, "POST", "/api/v1/sessions/"+s.ID+"/diagnostics", tech, map[string]any{
		"params": map[string]any{"targets": []string{open.Addr().String(), closedAddr}, "names": []string{"localhost"}},
	}, &rep)
	byName := map[string]diagResult{}
	for _, r := range rep.Results {
		byName[r.Name] = r
	}
	for _, name := range []string{"system", "cpu", "memory", "disks", "processes", "network", "dns", "connectivity", "ports", "logs", "services"} {
		r, ok := byName[name]
		if !ok {
			t.Errorf("default sweep: no %s result", name)
			continue
		}
		if !strings.Contains("ok warn fail error skipped", r.Status) || r.Status == "" || r.Summary == "" {
			t.Errorf("%s: malformed result %+v", name, r)
		}
	}
	if got := byName["connectivity"].Status; got != "fail" {
		t.Errorf("connectivity with a closed port: status %q, want fail", got)
	}
	c.waitOutput(t, "Lena is running diagnostics")
	c.waitOutput(t, "collected connectivity")

	// The report is on the ticket, readable by id, and comparable with a later one.
	var detail struct {
		Reports []struct {
			ID     string
			Counts map[string]int
		}
	}
	g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", ticket), tech, nil, &detail)
	if len(detail.Reports) != 1 || detail.Reports[0].ID != rep.ID {
		t.Fatalf("ticket reports: got %+v, want the one report %s", detail.Reports, rep.ID)
	}
	var again diagReport
	g.must(200, "GET", "/api/v1/reports/"+rep.ID, tech, nil, &again)
	if len(again.Results) != len(rep.Results) {
		t.Errorf("stored report has %d results, want %d", len(again.Results), len(rep.Results))
	}
	var second diagReport
	g.must(200, "POST", "/api/v1/sessions/"+s.ID+"/diagnostics", tech, map[string]any{
		"checks": []string{"connectivity"}, "params": map[string]any{"targets": []string{open.Addr().String()}},
	}, &second)
	if len(second.Results) != 1 || second.Results[0].Status != "ok" {
		t.Fatalf("connectivity to an open port: got %+v, want one ok result", second.Results)
	}
	var cmp struct {
		Changes []struct{ Check, Kind, Before, After string }
	}
	g.must(200, "GET", "/api/v1/reports/compare?before="+rep.ID+"&after="+second.ID, tech, nil, &cmp)
	found := false
	for _, ch := range cmp.Changes {
		if ch.Check == "connectivity" && ch.Kind == "status" && ch.Before == "fail" && ch.After == "ok" {
			found = true
		}
	}
	if !found {
		t.Errorf("comparison does not show connectivity fail → ok: %+v", cmp.Changes)
	}

	// Runbooks: listed, and usable by name.
	var rbs []struct{ Name string }
	g.must(200, "GET", "/api/v1/runbooks", tech, nil, &rbs)
	if len(rbs) < 5 {
		t.Errorf("runbooks: got %d, want the 5 defaults", len(rbs))
	}
	var viaRunbook diagReport
	g.must(200, "POST", "/api/v1/sessions/"+s.ID+"/diagnostics", tech, map[string]any{"runbook": "disk-full"}, &viaRunbook)
	if len(viaRunbook.Results) == 0 || len(viaRunbook.Results) >= len(rep.Results) {
		t.Errorf("disk-full runbook ran %d checks, want a subset of the %d-check sweep", len(viaRunbook.Results), len(rep.Results))
	}
	if code, _ := g.req("POST", "/api/v1/sessions/"+s.ID+"/diagnostics", tech, map[string]any{"runbook": "nope"}); code != 400 {
		t.Errorf("unknown runbook: got %d, want 400", code)
	}
	if code, _ := g.req("POST", "/api/v1/sessions/"+s.ID+"/diagnostics", tech, map[string]any{"checks": []string{"rm -rf"}}); code != 400 {
		t.Errorf("unknown check: got %d, want 400", code)
	}
}

func TestDiagnosticsRefusedWithoutScope(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell", "diagnostics")
	c := startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(admin, ticket, "connected")
	if code, b := g.req("POST", "/api/v1/sessions/"+s.ID+"/diagnostics", admin, map[string]any{}); code != 403 {
		t.Fatalf("diagnostics without the scope: got %d %s, want 403", code, b)
	}
	c.waitOutput(t, `you did not grant "diagnostics"`)
}
