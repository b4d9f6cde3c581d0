package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// File transfers (scope files): the technician collects a file the user
// allows into the ticket and sends one to the user's Downloads; both are
// verified by SHA-256 on both ends; the user's "n" refuses; paths are
// refused by form in the gateway and by the diagnostics rules in the client.

type fileRow struct {
	ID        string
	Direction string
	Name      string
	Path      string
	Size      int64
	SHA256    string
	State     string
	Error     string
	Stored    bool
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// filesSession starts a gateway and a client that granted files, answering
// questions from stdin; Downloads is a temporary folder.
func filesSession(t *testing.T) (g *gw, tech string, ticket int64, s session, c *client, stdin io.Writer, downloads string) {
	t.Helper()
	downloads = filepath.Join(t.TempDir(), "Downloads") // created by the client
	t.Setenv("XDG_DOWNLOAD_DIR", downloads)
	g = startGateway(t)
	admin := g.login("admin", adminPassword)
	tech = g.addUser(admin, "lena", "technician")
	ticket, inv := g.ticketAndInvite(tech, "files")
	r, w := io.Pipe()
	c = startClientWith(t, r, "join", "--accept", "files", inv.Join)
	t.Cleanup(func() { w.Close() }) // runs before the client's cleanup waits for it
	s = g.waitSession(tech, ticket, "connected")
	c.waitOutput(t, "revoke SCOPE")
	return g, tech, ticket, s, c, w, downloads
}

// async runs a request in the background and returns its status and body.
func (g *gw) async(method, path, token, ctype string, body []byte) <-chan [2]any {
	ch := make(chan [2]any, 1)
	go func() {
		r, _ := http.NewRequest(method, g.url+path, bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := g.http.Do(r)
		if err != nil {
			ch <- [2]any{0, []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ch <- [2]any{resp.StatusCode, b}
	}()
	return ch
}

func collectBody(p string) []byte { b, _ := json.Marshal(map[string]string{"path": p}); return b }

func auditActions(t *testing.T, g *gw, ticket int64) []string {
	t.Helper()
	admin := g.login("admin", adminPassword)
	var es []struct{ Action string }
	g.must(200, "GET", fmt.Sprintf("/api/v1/audit?ticket=%d", ticket), admin, nil, &es)
	var out []string
	for _, e := range es {
		if strings.HasPrefix(e.Action, "file.") {
			out = append(out, e.Action)
		}
	}
	return out
}

func TestFilesCollectAndSend(t *testing.T) {
	g, tech, ticket, s, c, stdin, downloads := filesSession(t)
	base := "/api/v1/sessions/" + s.ID + "/files/"

	// Collect: the user says yes; the stored bytes hash like the original.
	content := bytes.Repeat([]byte("ERROR disk full\n0123456789abcdef"), 20000) // 640 kB
	src := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(src, content, 0o600); err != nil {
		t.Fatal(err)
	}
	res := g.async("POST", base+"collect", tech, "application/json", collectBody(src))
	c.waitOutput(t, fmt.Sprintf("Lena wants to collect %s (625.0 kB) into ticket #%d. Allow? [y/N] ", src, ticket))
	io.WriteString(stdin, "y\n")
	r := <-res
	if r[0] != 201 {
		t.Fatalf("collect: %v %s", r[0], r[1])
	}
	var got fileRow
	json.Unmarshal(r[1].([]byte), &got)
	if got.SHA256 != sum(content) || got.Size != int64(len(content)) || got.Name != "app.log" || got.State != "complete" || got.Direction != "collect" {
		t.Errorf("collected %+v, want app.log with sha256 %s", got, sum(content))
	}
	code, b := g.req("GET", "/api/v1/files/"+got.ID, tech, nil)
	if code != 200 || sum(b) != sum(content) {
		t.Errorf("download: %d, sha256 %s, want 200 and %s", code, sum(b), sum(content))
	}
	c.waitOutput(t, "Sent app.log (625.0 kB, SHA-256 "+sum(content)[:16])

	// Collect refused by the user.
	res = g.async("POST", base+"collect", tech, "application/json", collectBody(src))
	waitFor(t, "the second question", func() bool { return strings.Count(c.out.String(), "Allow? [y/N] ") == 2 })
	io.WriteString(stdin, "n\n")
	r = <-res
	if r[0] != 403 || !bytes.Contains(r[1].([]byte), []byte(`"file_refused"`)) {
		t.Fatalf("refused collect: %v %s, want 403 file_refused; client:\n%s", r[0], r[1], c.out.String())
	}

	// Send: stored and hashed first, then saved in Downloads under a safe name.
	report := bytes.Repeat([]byte("%PDF-1.4 not really\n"), 5000)
	send := func(name string) fileRow {
		t.Helper()
		n := strings.Count(c.out.String(), "Allow? [y/N] ")
		res := g.async("POST", base+"send?name="+url.QueryEscape(name), tech, "application/octet-stream", report)
		waitFor(t, "the send question", func() bool { return strings.Count(c.out.String(), "Allow? [y/N] ") == n+1 })
		io.WriteString(stdin, "y\n")
		r := <-res
		if r[0] != 201 {
			t.Fatalf("send %q: %v %s", name, r[0], r[1])
		}
		var f fileRow
		json.Unmarshal(r[1].([]byte), &f)
		return f
	}
	sent := send("report.pdf")
	want := filepath.Join(downloads, "report.pdf")
	if sent.Path != want || sent.SHA256 != sum(report) || sent.State != "complete" {
		t.Errorf("sent %+v, want saved as %s with sha256 %s", sent, want, sum(report))
	}
	if b, err := os.ReadFile(want); err != nil || sum(b) != sum(report) {
		t.Errorf("Downloads/report.pdf: %v, sha256 %s, want %s", err, sum(b), sum(report))
	}
	if again := send("report.pdf"); again.Path != filepath.Join(downloads, "report (1).pdf") {
		t.Errorf("second report.pdf saved as %q, want report (1).pdf", again.Path)
	}
	// A name taken by a symbolic link is never followed.
	target := filepath.Join(t.TempDir(), "target")
	os.WriteFile(target, []byte("keep"), 0o600)
	os.Symlink(target, filepath.Join(downloads, "notes.txt"))
	if f := send("notes.txt"); f.Path != filepath.Join(downloads, "notes (1).txt") {
		t.Errorf("notes.txt over a link saved as %q, want notes (1).txt", f.Path)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
	// A name with a bidi override and trailing dots becomes a plain name.
	if f := send("\u202egpj.exe. .."); f.Path != filepath.Join(downloads, "gpj.exe") {
		t.Errorf("hostile name saved as %q, want a clean name in %s", f.Path, downloads)
	}

	// Listed on the ticket, with hashes.
	var list []fileRow
	g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d/files", ticket), tech, nil, &list)
	if len(list) != 5 || list[0].SHA256 != sum(content) || list[1].SHA256 != sum(report) {
		t.Errorf("ticket files = %+v, want the collected file then 4 sent", list)
	}
	var tl struct {
		Items []struct {
			Kind, Text string
			Links      struct{ File string }
		}
	}
	g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d/timeline", ticket), tech, nil, &tl)
	var onTimeline []string
	for _, it := range tl.Items {
		if it.Kind == "file" && it.Links.File != "" {
			onTimeline = append(onTimeline, it.Text)
		}
	}
	if len(onTimeline) != 5 || !strings.Contains(strings.Join(onTimeline, "|"), "collected app.log (640000 bytes, SHA-256 "+sum(content)[:12]) {
		t.Errorf("timeline file items = %q, want 5 with the collected app.log", onTimeline)
	}
	acts := strings.Join(auditActions(t, g, ticket), " ")
	for _, a := range []string{"file.request", "file.complete", "file.refuse", "file.download"} {
		if !strings.Contains(acts, a) {
			t.Errorf("audit has %s, want %s", acts, a)
		}
	}
}

func TestFilesPathRules(t *testing.T) {
	g, tech, _, s, c, _, _ := filesSession(t)
	base := "/api/v1/sessions/" + s.ID + "/files/"
	// Refused by form in the gateway (and the client, which parses the same way).
	for _, p := range []string{"/tmp/../etc/passwd", "/dev/zero", "/proc/self/environ", `\\server\share\x.log`, `\\?\C:\x`,
		"//server/share", "relative/app.log", "C:app.log", "", "/tmp/x\x1b[2J"} {
		code, b := g.req("POST", base+"collect", tech, map[string]string{"path": p})
		if code != 400 {
			t.Errorf("collect %q: %d %s, want 400", p, code, b)
		}
	}
	// Refused by the client's rules, before the user is asked: a link into
	// /proc, a folder, a missing file.
	dir := t.TempDir()
	link := filepath.Join(dir, "innocent.log")
	os.Symlink("/proc/self/environ", link)
	for _, p := range []string{link, dir, filepath.Join(dir, "missing.log")} {
		code, b := g.req("POST", base+"collect", tech, map[string]string{"path": p})
		if code != 403 || !bytes.Contains(b, []byte("client_refused")) {
			t.Errorf("collect %q: %d %s, want 403 client_refused", p, code, b)
		}
	}
	if strings.Contains(c.out.String(), "wants to collect") {
		t.Errorf("the user was asked about a refused path:\n%s", c.out.String())
	}
	// Send: names that are paths are refused by the gateway.
	for _, n := range []string{"../x", "a/b", `a\b`, "..", "", "a\x1b[2Jb"} {
		code, _ := g.req("POST", base+"send?name="+url.QueryEscape(n), tech, "x")
		if code != 400 {
			t.Errorf("send name %q: %d, want 400", n, code)
		}
	}
}

// TestFilesRevokeMidTransfer: revoking files while a file streams stops it;
// nothing is stored on the ticket and the audit says why.
func TestFilesRevokeMidTransfer(t *testing.T) {
	g, tech, ticket, s, c, stdin, _ := filesSession(t)
	big := filepath.Join(t.TempDir(), "core.dump")
	if err := os.WriteFile(big, bytes.Repeat([]byte("0123456789abcdef"), 6<<20), 0o600); err != nil { // 96 MiB
		t.Fatal(err)
	}
	ev := g.openEvents(t, tech)
	res := g.async("POST", "/api/v1/sessions/"+s.ID+"/files/collect", tech, "application/json", collectBody(big))
	c.waitOutput(t, "wants to collect "+big)
	io.WriteString(stdin, "y\n")
	for {
		got, ok := ev.until(t, "file")
		if !ok {
			t.Fatal("event stream ended")
		}
		if strings.Contains(got[len(got)-1][1], `"state":"transferring"`) {
			break
		}
	}
	io.WriteString(stdin, "revoke files\n")
	r := <-res
	if r[0] != 502 || !bytes.Contains(r[1].([]byte), []byte("the user revoked files")) {
		t.Errorf("revoked collect: %v %s, want 502 saying the user revoked files", r[0], r[1])
	}
	var list []fileRow
	g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d/files", ticket), tech, nil, &list)
	if len(list) != 0 {
		t.Errorf("ticket files after a revoked collect: %+v, want none", list)
	}
	if acts := strings.Join(auditActions(t, g, ticket), " "); acts != "file.request file.fail" {
		t.Errorf("audit = %q, want file.request file.fail", acts)
	}
	c.waitOutput(t, "Sending core.dump stopped: you revoked files. Nothing was kept.")
}
