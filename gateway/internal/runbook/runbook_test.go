package runbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/internal/wire"
)

func names(l List) []string {
	var out []string
	for _, rb := range l {
		out = append(out, rb.Name)
	}
	return out
}

func TestDefaults(t *testing.T) {
	l, err := Defaults()
	if err != nil {
		t.Fatalf("Defaults: %v", err)
	}
	want := []string{"application-errors", "cannot-reach-site", "disk-full", "no-internet", "slow-computer"}
	if diff := cmp.Diff(want, names(l)); diff != "" {
		t.Errorf("default runbooks (-want +got):\n%s", diff)
	}
	for _, rb := range l {
		if rb.Title == "" || rb.Description == "" || len(rb.Checks) == 0 {
			t.Errorf("%s: missing title, description or checks: %+v", rb.Name, rb)
		}
	}
	rb, ok := l.Find("disk-full")
	if !ok || rb.Params.Since != "24h" || !cmp.Equal(rb.Checks, []string{"disks", "processes", "logs"}) {
		t.Errorf("Find(disk-full) = %+v, %v", rb, ok)
	}
	if _, ok := l.Find("nope"); ok {
		t.Error("Find(nope) found something")
	}
}

func writeRunbook(t *testing.T, dir, file, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMergesOperatorFiles(t *testing.T) {
	dir := t.TempDir()
	writeRunbook(t, dir, "override.json", `{"name":"disk-full","title":"Disk full (ours)","checks":["disks"],"params":{"since":"2h"}}`)
	writeRunbook(t, dir, "vpn.json", `{"name":"vpn-down","title":"VPN down","checks":["network","connectivity"],"params":{"targets":["vpn.example.com:443"]}}`)
	writeRunbook(t, dir, "notes.txt", `not a runbook`)
	l, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := []string{"application-errors", "cannot-reach-site", "disk-full", "no-internet", "slow-computer", "vpn-down"}
	if diff := cmp.Diff(want, names(l)); diff != "" {
		t.Errorf("runbooks (-want +got):\n%s", diff)
	}
	rb, _ := l.Find("disk-full")
	if rb.Title != "Disk full (ours)" || rb.Params.Since != "2h" {
		t.Errorf("override not applied: %+v", rb)
	}
	if _, err := Load(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("Load(missing dir) = %v, want the defaults", err)
	}
	if l, err := Load(""); err != nil || len(l) != 5 {
		t.Errorf("Load(\"\") = %d runbooks, %v", len(l), err)
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	tests := map[string]string{
		"bad json":      `{"name":`,
		"unknown field": `{"name":"x","title":"X","check":["cpu"]}`,
		"bad name":      `{"name":"Bad Name","title":"X"}`,
		"no title":      `{"name":"x"}`,
		"unknown check": `{"name":"x","title":"X","checks":["reboot"]}`,
		"relative log":  `{"name":"x","title":"X","params":{"log_files":["app.log"]}}`,
		"long since":    `{"name":"x","title":"X","params":{"since":"9999h"}}`,
		"too large":     `{"name":"x","title":"X","description":"` + strings.Repeat("a", MaxFileSize) + `"}`,
		"trailing":      `{"name":"x","title":"X"} {}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeRunbook(t, dir, "rb.json", body)
			if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "rb.json") {
				t.Errorf("Load error = %v, want one naming rb.json", err)
			}
		})
	}
	dir := t.TempDir()
	writeRunbook(t, dir, "a.json", `{"name":"x","title":"X"}`)
	writeRunbook(t, dir, "b.json", `{"name":"x","title":"Y"}`)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "also defined") {
		t.Errorf("duplicate names: error = %v", err)
	}
}

func TestRequestMergesParams(t *testing.T) {
	rb := Runbook{Name: "x", Title: "X", Checks: []string{"dns", "connectivity"},
		Params: wire.DiagParams{Names: []string{"a.example"}, Since: "1h"}}
	got, err := rb.Request(wire.DiagParams{Names: []string{"a.example", "b.example"}, Targets: []string{"b.example:443"}, Since: "30m"})
	if err != nil {
		t.Fatalf("Request: %v", err)
	}
	want := wire.DiagRequest{Checks: []string{"dns", "connectivity"}, Params: wire.DiagParams{
		Names: []string{"a.example", "b.example"}, Targets: []string{"b.example:443"}, Since: "30m"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Request (-want +got):\n%s", diff)
	}
	if _, err := rb.Request(wire.DiagParams{LogFiles: []string{"relative.log"}}); err == nil {
		t.Error("Request accepted a relative log file")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"name":"x","title":"X","checks":["cpu"],"params":{"since":"1h"}}`))
	f.Add([]byte(`{"name":"a-b","title":"T","description":"d","params":{"targets":["h:1"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rb, err := Parse(b)
		if err != nil {
			return
		}
		if !validName.MatchString(rb.Name) || rb.Title == "" {
			t.Fatalf("accepted invalid runbook %+v", rb)
		}
		if _, err := rb.Request(wire.DiagParams{}); err != nil {
			t.Fatalf("valid runbook gives invalid request: %v", err)
		}
	})
}
