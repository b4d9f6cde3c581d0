package diag

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newRunner(t testing.TB, cfg Config) *Runner {
	t.Helper()
	if cfg.Log == nil {
		cfg.Log = quietLog()
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// checkWellFormed fails the test unless res is a valid, marshalable result.
func checkWellFormed(t *testing.T, res wire.DiagResult) {
	t.Helper()
	if !slices.Contains(wire.DiagStatuses, res.Status) {
		t.Errorf("%s: status %q is not valid", res.Name, res.Status)
	}
	if strings.TrimSpace(res.Summary) == "" {
		t.Errorf("%s: empty summary", res.Name)
	}
	if res.Data == nil {
		t.Errorf("%s: nil data", res.Name)
	}
	if res.DurationMS < 0 {
		t.Errorf("%s: negative duration %d", res.Name, res.DurationMS)
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("%s: result does not marshal: %v", res.Name, err)
	}
}

func TestRegistryMatchesWire(t *testing.T) {
	for _, name := range wire.DiagChecks {
		if registry[name] == nil {
			t.Errorf("check %q in wire.DiagChecks has no implementation", name)
		}
	}
	if len(registry) != len(wire.DiagChecks) {
		t.Errorf("registry has %d checks, wire.DiagChecks %d", len(registry), len(wire.DiagChecks))
	}
}

// TestDefaultSweepRealMachine runs every check for real on this machine,
// with loopback targets and a temp log file.
func TestDefaultSweepRealMachine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go acceptAndClose(ln)
	logFile := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(logFile, []byte("ERROR boom password=hunter2\nINFO fine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRunner(t, Config{Files: allowFiles(t, logFile)})
	req := wire.DiagRequest{Params: wire.DiagParams{
		Targets: []string{ln.Addr().String()}, Names: []string{"localhost"}, LogFiles: []string{logFile}, Since: "1h"}}
	var mu sync.Mutex
	var emitted []string
	results := r.Run(context.Background(), req, func(res wire.DiagResult) {
		mu.Lock()
		emitted = append(emitted, res.Name)
		mu.Unlock()
	})
	var got []string
	for _, res := range results {
		got = append(got, res.Name)
		checkWellFormed(t, res)
		if res.Status == wire.DiagError {
			t.Errorf("%s: status error: %s", res.Name, res.Summary)
		}
		t.Logf("%-12s %-7s %5d ms  %s", res.Name, res.Status, res.DurationMS, res.Summary)
	}
	if !slices.Equal(got, wire.DiagChecks) {
		t.Errorf("results in order %v, want %v", got, wire.DiagChecks)
	}
	slices.Sort(emitted)
	want := slices.Sorted(slices.Values(wire.DiagChecks))
	if !slices.Equal(emitted, want) {
		t.Errorf("emitted %v, want each check once: %v", emitted, want)
	}
	b, _ := json.Marshal(results)
	if bytes.Contains(b, []byte("hunter2")) {
		t.Error("report contains a planted password")
	}
}

func acceptAndClose(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

func TestTimeoutAndPanicAreContained(t *testing.T) {
	slow := func(ctx context.Context, in *input) wire.DiagResult {
		<-ctx.Done() // a well-behaved check that would run forever
		return wire.DiagResult{Status: wire.DiagOK, Summary: "finished"}
	}
	boom := func(ctx context.Context, in *input) wire.DiagResult { panic("kaboom") }
	bad := func(ctx context.Context, in *input) wire.DiagResult { return wire.DiagResult{Status: "great"} }
	r := newRunner(t, Config{
		Timeouts:    map[string]time.Duration{"slow": 50 * time.Millisecond},
		extraChecks: map[string]checkFunc{"slow": slow, "boom": boom, "bad": bad},
	})
	results := r.Run(context.Background(), wire.DiagRequest{Checks: []string{"slow", "boom", "bad", "memory", "nosuch"}}, nil)
	want := map[string]struct{ status, summary string }{
		"slow":   {wire.DiagError, "timed out after 50ms"},
		"boom":   {wire.DiagError, "check crashed: kaboom"},
		"bad":    {wire.DiagError, "invalid status"},
		"memory": {wire.DiagOK, "RAM"},
		"nosuch": {wire.DiagError, "unknown check"},
	}
	for _, res := range results {
		checkWellFormed(t, res)
		w := want[res.Name]
		if res.Name == "memory" {
			if res.Status == wire.DiagError {
				t.Errorf("memory: status error (%s), want it to complete", res.Summary)
			}
		} else if res.Status != w.status {
			t.Errorf("%s: status %q, want %q", res.Name, res.Status, w.status)
		}
		if !strings.Contains(res.Summary, w.summary) {
			t.Errorf("%s: summary %q, want it to contain %q", res.Name, res.Summary, w.summary)
		}
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("user pressed Ctrl-C"))
	r := newRunner(t, Config{})
	for _, res := range r.Run(ctx, wire.DiagRequest{Checks: []string{"cpu", "dns"}}, nil) {
		checkWellFormed(t, res)
		if res.Status != wire.DiagError || !strings.Contains(res.Summary, "Ctrl-C") {
			t.Errorf("%s = %s %q, want error naming the cause", res.Name, res.Status, res.Summary)
		}
	}
}

func TestSkippedOnOtherOS(t *testing.T) {
	r := newRunner(t, Config{GOOS: "plan9"})
	for _, res := range r.Run(context.Background(), wire.DiagRequest{Checks: []string{"services", "logs", "connectivity"}}, nil) {
		checkWellFormed(t, res)
		if res.Status != wire.DiagSkipped {
			t.Errorf("%s on plan9 = %s %q, want skipped", res.Name, res.Status, res.Summary)
		}
	}
}

func TestNewRejectsNegative(t *testing.T) {
	if _, err := New(Config{Timeout: -1}); err == nil {
		t.Error("New accepted a negative timeout")
	}
}

type rw struct {
	io.Reader
	io.Writer
}

func TestServe(t *testing.T) {
	r := newRunner(t, Config{})
	var out bytes.Buffer
	in := strings.NewReader(`{"checks":["memory","dns"],"params":{"names":["localhost"]}}` + "\n")
	if err := r.Serve(context.Background(), rw{in, &out}); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	dr := wire.NewDiagReader(&out)
	var types, names []string
	for {
		ev, err := dr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		types = append(types, ev.Type)
		if ev.Result != nil {
			names = append(names, ev.Result.Name)
		}
	}
	slices.Sort(names)
	if !slices.Equal(types, []string{"result", "result", "done"}) || !slices.Equal(names, []string{"dns", "memory"}) {
		t.Errorf("events %v for %v, want two results then done", types, names)
	}

	out.Reset()
	err := r.Serve(context.Background(), rw{strings.NewReader(`{"checks":["reboot"]}`), &out})
	if err == nil {
		t.Fatal("Serve accepted an unknown check")
	}
	ev, perr := wire.ParseDiagEvent(bytes.TrimSpace(out.Bytes()))
	if perr != nil || ev.Type != wire.DiagEventError || !strings.Contains(ev.Error, "unknown check") {
		t.Errorf("refusal event = %+v, %v; want an error event naming the unknown check", ev, perr)
	}
}

// BenchmarkDefaultSweep measures a full default sweep and the size of the
// JSON report it produces.
func BenchmarkDefaultSweep(b *testing.B) {
	r := newRunner(b, Config{})
	var size int
	for b.Loop() {
		rep := r.Report(context.Background(), "bench", "session", wire.DiagRequest{})
		buf, err := json.Marshal(rep)
		if err != nil {
			b.Fatal(err)
		}
		size = len(buf)
	}
	b.ReportMetric(float64(size), "bytes/report")
}
