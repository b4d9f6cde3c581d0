package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Diagnostics stay inside the user's consent, enforced by the client: files
// outside the standard log locations are refused unless the user allowed
// them (--allow-file, or "y" when asked), and the user's terminal lists
// every file read and host contacted.

// logSource is a row of the logs check's data.sources.
type logSource struct {
	Source    string
	OK        bool
	Error     string
	Refused   bool
	LinesRead int `json:"lines_read"`
}

func logSources(t *testing.T, rep diagReport) map[string]logSource {
	t.Helper()
	for _, r := range rep.Results {
		if r.Name != "logs" {
			continue
		}
		b, _ := json.Marshal(r.Data["sources"])
		var rows []logSource
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatalf("logs sources: %v in %s", err, b)
		}
		out := map[string]logSource{}
		for _, s := range rows {
			out[s.Source] = s
		}
		return out
	}
	t.Fatalf("no logs result in %+v", rep.Results)
	return nil
}

// appLog writes a log file outside the standard log locations.
func appLog(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("ERROR marker-"+name+" password=hunter2\nINFO fine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiagnosticsFilesInsideConsent(t *testing.T) {
	outside := appLog(t, "app.log")
	const missing = "/etc/no-such-file-tether"
	const evil = "/tmp/evil\u202e\u009b[2J.log" // bidi override and a C1 CSI: must not reach the terminal
	tests := []struct {
		name        string
		flags       []string
		wantOutside bool // the outside file is read
	}{
		{"accept without --allow-file", nil, false},
		{"accept with --allow-file", []string{"--allow-file", outside}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := startGateway(t)
			admin := g.login("admin", adminPassword)
			tech := g.addUser(admin, "lena", "technician")
			ticket, inv := g.ticketAndInvite(tech, "diagnostics")
			args := append(append([]string{"join", "--accept", "diagnostics"}, tt.flags...), inv.Join)
			c := startClient(t, args...)
			s := g.waitSession(tech, ticket, "connected")
			c.waitOutput(t, "reads logs from /var/log and the systemd journal")

			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			var rep diagReport
			g.must(200, "POST", "/api/v1/sessions/"+s.ID+"/diagnostics", tech, map[string]any{
				"checks": []string{"logs", "connectivity", "dns"},
				"params": map[string]any{"log_files": []string{"/etc/shadow", missing, outside, "/proc/self/environ", evil},
					"targets": []string{ln.Addr().String()}, "names": []string{"localhost"}},
			}, &rep)
			src := logSources(t, rep)
			shadow, miss, out := src["/etc/shadow"], src[missing], src[outside]
			if !shadow.Refused || shadow.OK || shadow.LinesRead != 0 {
				t.Errorf("/etc/shadow: %+v, want refused and not read", shadow)
			}
			if miss.Error != shadow.Error || !miss.Refused {
				t.Errorf("refusals differ: missing file %q, /etc/shadow %q; want the same answer", miss.Error, shadow.Error)
			}
			if p := src["/proc/self/environ"]; !p.Refused {
				t.Errorf("/proc/self/environ: %+v, want refused", p)
			}
			raw, _ := json.Marshal(rep)
			if tt.wantOutside {
				if !out.OK || out.Refused || out.LinesRead != 2 {
					t.Errorf("%s with --allow-file: %+v, want read (2 lines)", outside, out)
				}
				if !bytes.Contains(raw, []byte("marker-app.log")) || bytes.Contains(raw, []byte("hunter2")) {
					t.Errorf("report: want the allowed file's error line, redacted: %s", raw)
				}
				c.waitOutput(t, "  reading "+outside)
			} else {
				if !out.Refused || out.Error != shadow.Error {
					t.Errorf("%s without --allow-file: %+v, want refused like /etc/shadow", outside, out)
				}
				if bytes.Contains(raw, []byte("marker-app.log")) {
					t.Errorf("report holds the refused file's content: %s", raw)
				}
				c.waitOutput(t, "  refused to read "+outside)
			}
			c.waitOutput(t, "  refused to read /etc/shadow (not in the standard log locations and not approved by the user)")
			c.waitOutput(t, "  contacting "+ln.Addr().String())
			c.waitOutput(t, "  looking up localhost")
			c.waitOutput(t, "  refused to read /tmp/evil[2J.log")
			if strings.ContainsAny(c.out.String(), "\u202e\u009b") {
				t.Errorf("the client printed the technician's control characters: %q", c.out.String())
			}

			nine := make([]string, 9)
			for i := range nine {
				nine[i] = fmt.Sprintf("10.0.0.%d:22", i+1)
			}
			if code, b := g.req("POST", "/api/v1/sessions/"+s.ID+"/diagnostics", tech, map[string]any{
				"checks": []string{"connectivity"}, "params": map[string]any{"targets": nine}}); code != 400 {
				t.Errorf("9 targets: got %d %s, want 400", code, b)
			}
		})
	}
}

// TestDiagnosticsAsksUserForFile: without --accept, the user is asked on
// the same terminal (a piped stdin) that carries "revoke" and "end".
func TestDiagnosticsAsksUserForFile(t *testing.T) {
	yes, no := appLog(t, "yes.log"), appLog(t, "no.log")
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "lena", "technician")
	ticket, inv := g.ticketAndInvite(tech, "diagnostics")
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	c := startClientWith(t, stdinR, "join", inv.Join)
	c.waitOutput(t, "reads any other file only if you say yes when asked")
	c.waitOutput(t, "? [y/N] ")
	io.WriteString(stdinW, "y\n")
	s := g.waitSession(tech, ticket, "connected")
	c.waitOutput(t, "revoke SCOPE")

	run := func() <-chan diagReport {
		ch := make(chan diagReport, 1)
		body, _ := json.Marshal(map[string]any{"checks": []string{"logs"}, "params": map[string]any{"log_files": []string{yes, no}}})
		go func() {
			defer close(ch)
			r, _ := http.NewRequest("POST", g.url+"/api/v1/sessions/"+s.ID+"/diagnostics", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+tech)
			resp, err := g.http.Do(r)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			var rep diagReport
			if resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&rep) == nil {
				ch <- rep
			}
		}()
		return ch
	}
	first := run()
	c.waitOutput(t, "Lena asks to read "+yes+". Allow? [y/N] ")
	io.WriteString(stdinW, "y\n")
	c.waitOutput(t, "Lena asks to read "+no+". Allow? [y/N] ")
	io.WriteString(stdinW, "n\n")
	rep, ok := <-first
	if !ok {
		t.Fatal("diagnostics request failed")
	}
	src := logSources(t, rep)
	if s := src[yes]; !s.OK || s.LinesRead != 2 {
		t.Errorf("%s (user said yes): %+v, want read", yes, s)
	}
	if s := src[no]; !s.Refused {
		t.Errorf("%s (user said no): %+v, want refused", no, s)
	}
	c.waitOutput(t, "  reading "+yes)
	c.waitOutput(t, "  refused to read "+no)

	// The answers hold for the session: nothing is asked again.
	rep, ok = <-run()
	if !ok {
		t.Fatal("second diagnostics request failed")
	}
	if src := logSources(t, rep); !src[yes].OK || !src[no].Refused {
		t.Errorf("second run: %+v, want the same decisions", src)
	}
	if n := strings.Count(c.out.String(), "asks to read"); n != 2 {
		t.Errorf("questions asked: %d, want 2 (answers remembered)", n)
	}
	// The terminal still takes commands after the questions.
	io.WriteString(stdinW, "end\n")
	stdinW.Close()
	if code := c.wait(t); code != 0 {
		t.Errorf("client exit code after end: %d, want 0", code)
	}
}
