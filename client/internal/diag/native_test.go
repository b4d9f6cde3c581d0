package diag

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/internal/wire"
)

var sysNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// wevtutilOut is what `wevtutil qe System /f:RenderedXml /rd:true` prints:
// events newest first, without a root element.
const wevtutilOut = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Service Control Manager' Guid='{555908d1-a6d7-4695-8e1e-26931d2012f4}'/><EventID Qualifiers='49152'>7000</EventID><Level>2</Level><TimeCreated SystemTime='2026-03-10T11:50:00.1234567Z'/><Computer>PC</Computer></System><EventData><Data Name='param1'>Spooler</Data></EventData><RenderingInfo Culture='en-US'><Message>The Print Spooler service failed to start due to the following error: 
The system cannot find the file specified. password=hunter2</Message><Level>Error</Level></RenderingInfo></Event>
<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Time-Service'/><EventID>134</EventID><Level>3</Level><TimeCreated SystemTime='2026-03-10T11:40:00Z'/></System><RenderingInfo Culture='en-US'><Message>NtpClient was unable to set a manual peer.</Message></RenderingInfo></Event>
<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='disk'/><EventID>7</EventID><Level>1</Level><TimeCreated SystemTime='2026-03-10T11:30:00Z'/></System></Event>
<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='old'/><EventID>1</EventID><Level>2</Level><TimeCreated SystemTime='2026-03-10T09:00:00Z'/></System></Event>
`

func TestParseEvents(t *testing.T) {
	st := newStats("System", "eventlog")
	if err := parseEvents(strings.NewReader(wevtutilOut), st, sysNow.Add(-time.Hour)); err != nil {
		t.Fatalf("parseEvents: %v", err)
	}
	wantCounts := map[string]int{levelError: 2, levelWarn: 1, levelInfo: 0, levelDebug: 0, levelOther: 0}
	if diff := cmp.Diff(wantCounts, st.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if st.LinesRead != 3 {
		t.Errorf("LinesRead: got %d, want 3 (the event before the window is skipped)", st.LinesRead)
	}
	if len(st.RecentErrors) != 2 {
		t.Fatalf("RecentErrors: got %q, want 2 entries", st.RecentErrors)
	}
	oldest, newest := st.RecentErrors[0], st.RecentErrors[1]
	if oldest != "disk: event 7" {
		t.Errorf("oldest error: got %q, want %q", oldest, "disk: event 7")
	}
	if !strings.HasPrefix(newest, "Service Control Manager: The Print Spooler service failed to start") {
		t.Errorf("newest error: got %q, want the Spooler failure last", newest)
	}
	if strings.Contains(newest, "hunter2") || strings.Contains(newest, "\n") {
		t.Errorf("newest error: got %q, want the secret redacted and one line", newest)
	}
	if st.BytesRead != int64(len(wevtutilOut)) {
		t.Errorf("BytesRead: got %d, want %d", st.BytesRead, len(wevtutilOut))
	}
}

func TestParseEventsRejectsBrokenXML(t *testing.T) {
	st := newStats("System", "eventlog")
	err := parseEvents(strings.NewReader(`<Event><System><Level>2</Level></System></Event><Event><System>`), st, time.Time{})
	if err == nil {
		t.Fatal("parseEvents of truncated XML: got nil error, want one")
	}
	if st.Counts[levelError] != 0 || st.LinesRead != 1 {
		t.Errorf("after a broken event: got %d errors counted, %d read; want 0 counted (added at the end), 1 read", st.Counts[levelError], st.LinesRead)
	}
}

// logShowOut is what `log show --style ndjson` prints.
const logShowOut = `{"traceID":1,"eventMessage":"Failed to connect to server","messageType":"Error","timestamp":"2026-03-10 11:10:00.000000+0000","processImagePath":"\/usr\/libexec\/nsurlsessiond","subsystem":"com.apple.network"}
{"eventMessage":"assertion failed: token=abcd1234secret","messageType":"Fault","timestamp":"2026-03-10 11:20:00.000000+0000","processImagePath":"\/Applications\/App.app\/Contents\/MacOS\/App"}
{"eventMessage":"hello","messageType":"Default","processImagePath":"\/bin\/x"}
not json
{"count":3,"finished":1}
`

func TestParseUnifiedLog(t *testing.T) {
	st := newStats("unified log", "unifiedlog")
	if err := parseUnifiedLog(strings.NewReader(logShowOut), st); err != nil {
		t.Fatalf("parseUnifiedLog: %v", err)
	}
	wantCounts := map[string]int{levelError: 2, levelWarn: 0, levelInfo: 1, levelDebug: 0, levelOther: 0}
	if diff := cmp.Diff(wantCounts, st.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if len(st.RecentErrors) != 2 {
		t.Fatalf("RecentErrors: got %q, want 2 entries", st.RecentErrors)
	}
	if strings.Contains(strings.Join(st.RecentErrors, " "), "abcd1234secret") {
		t.Errorf("recent errors: got %q, want the token redacted", st.RecentErrors)
	}
	if !strings.HasPrefix(st.RecentErrors[0], "nsurlsessiond: ") || !strings.HasPrefix(st.RecentErrors[1], "App: ") {
		t.Errorf("recent errors: got %q, want the process names, oldest first", st.RecentErrors)
	}
}

func TestParseLaunchctl(t *testing.T) {
	out := "PID\tStatus\tLabel\n" +
		"-\t0\tcom.apple.SafariHistoryServiceAgent\n" +
		"412\t0\tcom.apple.Finder\n" +
		"-\t78\tcom.example.broken\n" +
		"-\t-9\tcom.example.killed\n" +
		"garbage line\n" +
		"x\t0\tbad.pid\n"
	got, err := parseLaunchctl(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []launchdJob{
		{Label: "com.apple.SafariHistoryServiceAgent"},
		{Label: "com.apple.Finder", PID: 412},
		{Label: "com.example.broken", LastStatus: 78},
		{Label: "com.example.killed", LastStatus: -9},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseLaunchctl (-want +got):\n%s", diff)
	}
}

func TestWithSystemLog(t *testing.T) {
	fake := func(ctx context.Context, since time.Time) *logStats {
		st := newStats("eventlog:System+Application", "eventlog")
		st.TimeFiltered, st.OK = true, true
		st.add(levelError, "disk: bad block")
		st.add(levelWarn, "time: no peer")
		return st
	}
	broken := func(ctx context.Context, since time.Time) *logStats {
		st := newStats("eventlog:System+Application", "eventlog")
		st.Error = "wevtutil not found"
		return st
	}
	logFile := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(logFile, []byte("error one\ninfo two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		read        func(context.Context, time.Time) *logStats
		files       []string
		wantStatus  string
		wantSources int
		wantErrors  int
		wantSummary string
	}{
		{"event log alone", fake, nil, wire.DiagWarn, 1, 1, "1 errors, 1 warnings in the last 1h across 1 sources"},
		{"event log and a named file", fake, []string{logFile}, wire.DiagWarn, 2, 2, "2 errors, 1 warnings in the last 1h across 2 sources"},
		{"event log unreadable", broken, nil, wire.DiagWarn, 1, 0, "could not read eventlog:System+Application (wevtutil not found)"},
		{"runner pretends another OS", nil, []string{logFile}, wire.DiagWarn, 1, 1, "1 errors, 0 warnings in the last 1h across 1 sources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goos := "windows"
			if tt.read == nil {
				goos = "plan9" // read must not be called
			}
			in := &input{params: wire.DiagParams{LogFiles: tt.files}, cfg: &Config{GOOS: goos, Files: allowFiles(t, tt.files...)}, now: sysNow}
			res := withSystemLog("windows", tt.read)(context.Background(), in)
			if res.Status != tt.wantStatus || !strings.Contains(res.Summary, tt.wantSummary) {
				t.Errorf("got %s %q, want %s with %q", res.Status, res.Summary, tt.wantStatus, tt.wantSummary)
			}
			if got := len(res.Data["sources"].([]*logStats)); got != tt.wantSources {
				t.Errorf("sources: got %d, want %d", got, tt.wantSources)
			}
			if got := res.Data["counts"].(map[string]int)[levelError]; got != tt.wantErrors {
				t.Errorf("errors: got %d, want %d", got, tt.wantErrors)
			}
			if res.Data["window"] != "1h" {
				t.Errorf("window: got %v, want 1h", res.Data["window"])
			}
		})
	}
}

func FuzzParseEvents(f *testing.F) {
	f.Add(wevtutilOut)
	f.Add(`<Event><System><Level>2</Level></System></Event>`)
	f.Add(`<Event><RenderingInfo><Message>` + strings.Repeat("x", 1000) + `</Message></RenderingInfo></Event><`)
	f.Fuzz(func(t *testing.T, s string) {
		st := newStats("System", "eventlog")
		_ = parseEvents(strings.NewReader(s), st, time.Time{})
		if st.LinesRead > maxSystemLogEvents || len(st.RecentErrors) > maxRecentErrors {
			t.Fatalf("bounds exceeded: %d events, %d recent errors", st.LinesRead, len(st.RecentErrors))
		}
	})
}

func FuzzParseUnifiedLog(f *testing.F) {
	f.Add(logShowOut)
	f.Add(`{"messageType":"Error","eventMessage":"-----BEGIN RSA PRIVATE KEY-----"}` + "\n")
	f.Fuzz(func(t *testing.T, s string) {
		st := newStats("unified log", "unifiedlog")
		_ = parseUnifiedLog(strings.NewReader(s), st)
		if st.LinesRead > maxSystemLogEvents || len(st.RecentErrors) > maxRecentErrors {
			t.Fatalf("bounds exceeded: %d entries, %d recent errors", st.LinesRead, len(st.RecentErrors))
		}
	})
}

func FuzzParseLaunchctl(f *testing.F) {
	f.Add("PID\tStatus\tLabel\n-\t78\tcom.example.broken\n412\t0\tcom.apple.Finder\n")
	f.Fuzz(func(t *testing.T, s string) {
		jobs, _ := parseLaunchctl(strings.NewReader(s))
		for _, j := range jobs {
			if j.Label == "" || j.PID < 0 {
				t.Fatalf("bad job %+v", j)
			}
		}
	})
}

func TestParseRouteGet(t *testing.T) {
	out := `   route to: default
destination: default
       mask: default
    gateway: 192.168.1.1
  interface: en0
      flags: <UP,GATEWAY,DONE,STATIC,PRCLONING,GLOBAL>
`
	got, err := parseRouteGet(strings.NewReader(out), "ipv4")
	if err != nil {
		t.Fatal(err)
	}
	want := []route{{Interface: "en0", Gateway: "192.168.1.1", Family: "ipv4"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseRouteGet (-want +got):\n%s", diff)
	}
	got, _ = parseRouteGet(strings.NewReader("route: writing to routing socket: not in table\n"), "ipv6")
	if len(got) != 0 {
		t.Errorf("parseRouteGet without a gateway: got %v, want none", got)
	}
}

func TestMergeNetwork(t *testing.T) {
	base := func() wire.DiagResult {
		return wire.DiagResult{Status: wire.DiagOK, Summary: "3 interfaces (1 up with an address)", Data: map[string]any{
			"interfaces":     []string{"eth0"},
			"default_routes": []route{},
			"dns_servers":    []string{},
			"notes":          []string{"default route: " + errUnsupportedOS.Error(), "dns servers: " + errUnsupportedOS.Error(), "other note"},
		}}
	}
	gw := []route{{Interface: "Ethernet", Gateway: "192.0.2.1", Family: "ipv4", Metric: 25}}
	tests := []struct {
		name        string
		n           nativeNet
		wantStatus  string
		wantSummary string
		wantNotes   []string
	}{
		{"routes and servers", nativeNet{routes: gw, servers: []string{"192.0.2.53"}}, wire.DiagOK,
			"3 interfaces (1 up with an address), default via 192.0.2.1 on Ethernet, DNS 192.0.2.53", []string{"other note"}},
		{"routes only (macOS keeps resolv.conf)", nativeNet{routes: gw}, wire.DiagOK,
			"3 interfaces (1 up with an address), default via 192.0.2.1 on Ethernet",
			[]string{"dns servers: " + errUnsupportedOS.Error(), "other note"}},
		{"nothing found", nativeNet{routes: []route{}, servers: []string{}}, wire.DiagWarn,
			"no default route; no DNS servers configured; 3 interfaces", []string{"other note"}},
		{"read failed", nativeNet{routes: []route{}, routesErr: errors.New("boom"), servers: []string{}, serversErr: errors.New("boom")}, wire.DiagOK,
			"3 interfaces (1 up with an address)", []string{"other note", "default route: boom", "dns servers: boom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeNetwork(base(), tt.n)
			if got.Status != tt.wantStatus || !strings.HasPrefix(got.Summary, tt.wantSummary) {
				t.Errorf("got %s %q, want %s %q", got.Status, got.Summary, tt.wantStatus, tt.wantSummary)
			}
			notes, _ := got.Data["notes"].([]string)
			if diff := cmp.Diff(tt.wantNotes, notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWithNativeNetworkOnlyOnItsOS(t *testing.T) {
	called := false
	read := func(context.Context) nativeNet { called = true; return nativeNet{} }
	in := &input{cfg: &Config{GOOS: "linux"}, now: sysNow}
	withNativeNetwork("windows", read)(context.Background(), in)
	if called {
		t.Error("the Windows reader ran although the runner is on linux")
	}
}

func FuzzParseRouteGet(f *testing.F) {
	f.Add("gateway: 192.168.1.1\ninterface: en0\n")
	f.Add("gateway:\n::\n")
	f.Fuzz(func(t *testing.T, s string) {
		rs, _ := parseRouteGet(strings.NewReader(s), "ipv4")
		if len(rs) > 1 {
			t.Fatalf("got %d routes, want at most 1", len(rs))
		}
	})
}
