package diagdiff

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/internal/wire"
)

type mount struct {
	Mountpoint  string  `json:"mountpoint"`
	UsedPercent float64 `json:"used_percent"`
}

func TestCompare(t *testing.T) {
	before := wire.DiagReport{ID: "r1", Results: []wire.DiagResult{
		{Name: "disks", Status: "fail", Data: map[string]any{"mounts": []mount{{"/", 98.2}, {"/home", 50}}}},
		{Name: "dns", Status: "fail", Data: map[string]any{}},
		{Name: "memory", Status: "ok", Data: map[string]any{"used_percent": 40.0, "swap_used_percent": 0}},
		{Name: "ports", Status: "ok", Data: map[string]any{}},
	}}
	// The after report went through JSON, as the gateway stores it.
	after := roundTrip(t, wire.DiagReport{ID: "r2", Results: []wire.DiagResult{
		{Name: "disks", Status: "ok", Data: map[string]any{"mounts": []mount{{"/", 61}, {"/home", 50.5}}}},
		{Name: "dns", Status: "ok", Data: map[string]any{}},
		{Name: "memory", Status: "warn", Data: map[string]any{"used_percent": 92.0, "swap_used_percent": 1}},
		{Name: "logs", Status: "warn", Data: map[string]any{"counts": map[string]int{"error": 3}}},
	}})
	got := Compare(before, after)
	want := Comparison{BeforeID: "r1", AfterID: "r2", Better: 3, Worse: 2, Changes: []Change{
		{Check: "disks", Kind: KindStatus, Before: "fail", After: "ok", Direction: Better},
		{Check: "disks", Kind: KindMetric, Field: "mounts[/].used_percent", Before: "98.2", After: "61", Delta: -37.2, Direction: Better},
		{Check: "dns", Kind: KindStatus, Before: "fail", After: "ok", Direction: Better},
		{Check: "memory", Kind: KindStatus, Before: "ok", After: "warn", Direction: Worse},
		{Check: "memory", Kind: KindMetric, Field: "used_percent", Before: "40", After: "92", Delta: 52, Direction: Worse},
		{Check: "logs", Kind: KindAdded, After: "warn"},
		{Check: "ports", Kind: KindRemoved, Before: "ok"},
	}, SetupDifferences: []SetupDifference{
		// Older reports (no request kept): the checks they hold differ.
		{What: "checks", Before: "disks, dns, memory, ports", After: "disks, dns, logs, memory"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Compare (-want +got):\n%s", diff)
	}
}

func TestCompareIdentical(t *testing.T) {
	r := wire.DiagReport{ID: "x", Results: []wire.DiagResult{{Name: "cpu", Status: "ok", Data: map[string]any{"usage_percent": 10}}}}
	if got := Compare(r, r); len(got.Changes) != 0 || got.Better+got.Worse != 0 {
		t.Errorf("Compare(r, r) = %+v, want no changes", got)
	}
}

func roundTrip(t *testing.T, r wire.DiagReport) wire.DiagReport {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out wire.DiagReport
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCompareSetupDifferences(t *testing.T) {
	req := func(checks []string, p wire.DiagParams) *wire.DiagRequest {
		return &wire.DiagRequest{Checks: checks, Params: p}
	}
	res := []wire.DiagResult{{Name: "dns", Status: "ok", Data: map[string]any{}}}
	cases := []struct {
		name          string
		before, after wire.DiagReport
		want          []SetupDifference
	}{
		{"same request, checks in another order",
			wire.DiagReport{Request: req([]string{"dns", "connectivity"}, wire.DiagParams{Names: []string{"a", "b"}}), Results: res},
			wire.DiagReport{Request: req([]string{"connectivity", "dns"}, wire.DiagParams{Names: []string{"b", "a"}}), Results: res},
			[]SetupDifference{}},
		{"empty checks means all checks",
			wire.DiagReport{Request: req(nil, wire.DiagParams{}), Results: res},
			wire.DiagReport{Request: req(wire.DiagChecks, wire.DiagParams{Since: "1h"}), Results: res},
			[]SetupDifference{}},
		{"other checks and parameters",
			wire.DiagReport{Runbook: "slow-internet", Request: req([]string{"dns"}, wire.DiagParams{Names: []string{"example.com"}, Since: "30m"}), Results: res},
			wire.DiagReport{Request: req([]string{"dns", "logs"}, wire.DiagParams{Names: []string{"intranet.local"}, Targets: []string{"1.1.1.1:443"}}), Results: res},
			[]SetupDifference{
				{What: "runbook", Before: "slow-internet", After: "(none)"},
				{What: "checks", Before: "dns", After: "dns, logs"},
				{What: "params.targets", Before: "(none)", After: "1.1.1.1:443"},
				{What: "params.names", Before: "example.com", After: "intranet.local"},
				{What: "params.since", Before: "30m0s", After: "1h0m0s"},
			}},
		{"one older report without its request",
			wire.DiagReport{Results: res},
			wire.DiagReport{Request: req([]string{"dns"}, wire.DiagParams{}), Results: res},
			[]SetupDifference{{What: "request", Before: "not recorded (older report)", After: "recorded"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Compare(c.before, roundTrip(t, c.after)).SetupDifferences
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("SetupDifferences (-want +got):\n%s", diff)
			}
		})
	}
}
