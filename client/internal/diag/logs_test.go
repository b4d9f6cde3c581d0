package diag

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/internal/wire"
)

var fixedNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func TestLineLevel(t *testing.T) {
	tests := map[string]string{
		"2026-03-10T11:00:00Z ERROR db down":       levelError,
		"level=err msg=x":                          levelError,
		"FATAL: out of memory":                     levelError,
		"panic: runtime error":                     levelError,
		"kernel: CRIT temperature":                 levelError,
		"[WARNING] disk slow":                      levelWarn,
		"warn: retry":                              levelWarn,
		"INFO retrying after error":                levelInfo,
		`{"level":"debug","msg":"x"}`:              levelDebug,
		"started worker 3":                         levelOther,
		"0 errors, terror, warnings_total counter": levelOther,
	}
	for line, want := range tests {
		if got := lineLevel(line); got != want {
			t.Errorf("lineLevel(%q) = %q, want %q", line, got, want)
		}
	}
}

func TestLineTime(t *testing.T) {
	tests := []struct {
		line string
		want time.Time
		ok   bool
	}{
		{"2026-03-10T11:30:00Z x", time.Date(2026, 3, 10, 11, 30, 0, 0, time.UTC), true},
		{"2026-03-10T11:30:00.123+01:00 x", time.Date(2026, 3, 10, 10, 30, 0, 123e6, time.UTC), true},
		{"[2026-03-10 11:30:00,5] x", time.Date(2026, 3, 10, 11, 30, 0, 5e8, time.Local), true},
		{"Mar 10 11:30:00 host app: x", time.Date(2026, 3, 10, 11, 30, 0, 0, time.Local), true},
		{"Dec 31 23:00:00 host app: x", time.Date(2025, 12, 31, 23, 0, 0, 0, time.Local), true},
		{"no time here", time.Time{}, false},
		{"2026-99-99T99:99:99Z bad", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := lineTime(tt.line, fixedNow)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("lineTime(%q) = %v, %v; want %v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLogsCountsAndRedacts(t *testing.T) {
	timed := writeFile(t, "app.log", strings.Join([]string{
		"2026-03-10T09:00:00Z ERROR old failure password=oldsecret", // before the 1h window
		"2026-03-10T11:10:00Z INFO started",
		"2026-03-10T11:20:00Z WARN slow request token=abc123",
		"2026-03-10T11:30:00Z ERROR db login failed password=hunter2",
		"  at db.connect (stack line, inherits 11:30)",
		"2026-03-10T11:40:00Z DEBUG Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
		"2026-03-10T11:50:00Z FATAL key AKIAIOSFODNN7EXAMPLE rejected",
		"-----BEGIN RSA PRIVATE KEY-----",
		"MIIEowIBAAKCAQEAsecretkeymaterial",
		"-----END RSA PRIVATE KEY-----",
	}, "\n")+"\n")
	untimed := writeFile(t, "plain.log", "error one\nwarning two\nerror three\nsomething\n")
	files := []string{timed, untimed, "/nonexistent/tether.log"}
	in := &input{params: wire.DiagParams{LogFiles: files, Since: "1h"},
		cfg: &Config{GOOS: "plan9", Files: allowFiles(t, files...)}, now: fixedNow}
	res := checkLogs(context.Background(), in)
	res.Name = "logs"
	checkWellFormed(t, res)
	sources := res.Data["sources"].([]*logStats)
	if len(sources) != 3 {
		t.Fatalf("got %d sources, want 3", len(sources))
	}
	wantTimed := map[string]int{levelError: 2, levelWarn: 1, levelInfo: 1, levelDebug: 1, levelOther: 4}
	if diff := cmp.Diff(wantTimed, sources[0].Counts); diff != "" {
		t.Errorf("timed file counts (-want +got):\n%s", diff)
	}
	if !sources[0].TimeFiltered {
		t.Error("timed file not marked time_filtered")
	}
	wantUntimed := map[string]int{levelError: 2, levelWarn: 1, levelInfo: 0, levelDebug: 0, levelOther: 1}
	if diff := cmp.Diff(wantUntimed, sources[1].Counts); diff != "" {
		t.Errorf("untimed file counts (-want +got):\n%s", diff)
	}
	if sources[1].TimeFiltered {
		t.Error("file without timestamps marked time_filtered")
	}
	if sources[2].OK || sources[2].Error == "" {
		t.Errorf("missing file: ok=%v error=%q, want an error", sources[2].OK, sources[2].Error)
	}
	if res.Status != wire.DiagWarn || !strings.Contains(res.Summary, "could not read") || !strings.Contains(res.Summary, "counted all lines") {
		t.Errorf("status %s summary %q", res.Status, res.Summary)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2", "abc123", "eyJhbGci", "AKIAIOSFODNN7EXAMPLE", "secretkeymaterial", "oldsecret"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("report contains secret %q", secret)
		}
	}
	if !strings.Contains(string(b), "db login failed password=[REDACTED]") {
		t.Errorf("recent errors lack the redacted line: %s", b)
	}
}

func TestLogTailIsBounded(t *testing.T) {
	line := strings.Repeat("x", 99) + "\n"
	body := "ERROR at the very start\n" + strings.Repeat(line, (maxTailBytes/len(line))+1000) + "ERROR at the end\n"
	p := writeFile(t, "big.log", body)
	st := scanLogFile(p, fixedNow.Add(-time.Hour), fixedNow)
	if !st.OK || !st.Tail || st.BytesRead > maxTailBytes {
		t.Errorf("ok=%v tail=%v bytes_read=%d, want a tail read of at most %d bytes", st.OK, st.Tail, st.BytesRead, maxTailBytes)
	}
	if st.Counts[levelError] != 1 {
		t.Errorf("errors = %d, want 1 (only the one in the tail)", st.Counts[levelError])
	}
}

func TestJournalMessage(t *testing.T) {
	if got := journalMessage(json.RawMessage(`"hello"`)); got != "hello" {
		t.Errorf("string message = %q", got)
	}
	if got := journalMessage(json.RawMessage(`[104,105]`)); got != "hi" {
		t.Errorf("byte-array message = %q", got)
	}
	if got := journalMessage(json.RawMessage(`{}`)); got != "" {
		t.Errorf("object message = %q", got)
	}
}
