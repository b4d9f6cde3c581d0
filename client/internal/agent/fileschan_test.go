package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tetherhq/tether/internal/wire"
)

// TestRealGatewayFiles: the agent asks the user about each collect, refuses
// without anyone to ask, and refuses paths by the diagnostics rules (a link
// into /dev) before any question.
func TestRealGatewayFiles(t *testing.T) {
	g := startRealGateway(t)
	var tk struct{ ID int64 }
	g.must(201, "POST", "/api/v1/tickets", map[string]string{"title": "Crash", "description": "dump"}, &tk)
	var inv struct{ Join string }
	g.must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/invites", tk.ID), map[string]any{"scopes": []string{"files"}}, &inv)
	j, err := wire.ParseJoin(inv.Join)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var questions []string
	answer, noTerminal := true, false
	fc := &FilesConfig{Downloads: t.TempDir(), Confirm: func(_ context.Context, q string) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if noTerminal {
			return true, errors.New("no terminal") // an error is never a yes
		}
		questions = append(questions, q)
		return answer, nil
	}}
	a, err := New(Config{Join: j, Version: "test", Files: fc, Host: wire.HostInfo{Hostname: "pc", OS: "linux", User: "carol"},
		Consent: func(context.Context, wire.Offer) (wire.Scopes, error) { return wire.Scopes{wire.ScopeFiles}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the session", func() bool { return a.SessionID() != "" })
	id := a.SessionID()
	waitFor(t, "connected", func() bool {
		var s struct{ State string }
		g.must(200, "GET", "/api/v1/sessions/"+id, nil, &s)
		return s.State == "connected"
	})
	dir := t.TempDir()
	ok := filepath.Join(dir, "app.log")
	os.WriteFile(ok, []byte("hello\n"), 0o600)
	dev := filepath.Join(dir, "dev.log")
	os.Symlink("/dev/zero", dev)

	path := "/api/v1/sessions/" + id + "/files/collect"
	g.must(403, "POST", path, map[string]string{"path": dev}, nil) // the client's rules: no question
	mu.Lock()
	if len(questions) != 0 {
		t.Errorf("asked %q about a link to a device", questions)
	}
	answer = false
	mu.Unlock()
	g.must(403, "POST", path, map[string]string{"path": ok}, nil) // the user says no
	mu.Lock()
	answer = true
	mu.Unlock()
	var f struct{ SHA256, State string }
	g.must(201, "POST", path, map[string]string{"path": ok}, &f)
	if f.State != "complete" || f.SHA256 != "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" {
		t.Errorf("collected %+v", f)
	}
	mu.Lock()
	want := fmt.Sprintf("wants to collect %s (6 bytes) into ticket #%d.", ok, tk.ID)
	if len(questions) != 2 || !strings.Contains(questions[1], want) {
		t.Errorf("questions %q, want two containing %q", questions, want)
	}
	mu.Unlock()

	// The question cannot be put: refused.
	mu.Lock()
	noTerminal = true
	mu.Unlock()
	g.must(403, "POST", path, map[string]string{"path": ok}, nil)
}
