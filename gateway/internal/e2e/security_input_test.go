package e2e

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/server"
)

// secret is a file outside every served directory that traversal must not reach.
const secretMarker = "TOP-SECRET-MARKER-7f3a"

func TestPathTraversalIsRefused(t *testing.T) {
	root := t.TempDir()
	dist := filepath.Join(root, "dist")
	os.MkdirAll(dist, 0o700)
	os.WriteFile(filepath.Join(dist, "tether-client-linux-amd64"), []byte("client binary"), 0o600)
	os.WriteFile(filepath.Join(root, "secret.txt"), []byte(secretMarker), 0o600)
	g := startGateway(t, func(c *server.Config) { c.DownloadsDir = dist })
	os.WriteFile(filepath.Join(g.data, "secret.txt"), []byte(secretMarker), 0o600)
	admin := g.login("admin", adminPassword)

	paths := []string{
		"/api/v1/recordings/../../secret.txt",
		"/api/v1/recordings/..%2f..%2fsecret.txt",
		"/api/v1/recordings/%2e%2e%2f%2e%2e%2fsecret.txt",
		"/api/v1/recordings/..%5c..%5csecret.txt",
		"/api/v1/recordings/%2e%2e/meta",
		"/api/v1/recordings/..%2f..%2fetc%2fpasswd/meta",
		"/api/v1/reports/..%2f..%2fsecret.txt",
		"/download/../secret.txt",
		"/download/..%2f..%2fsecret.txt/amd64",
		"/download/linux/..%2f..%2fsecret.txt",
		"/download/linux/%2e%2e%2f%2e%2e%2fsecret.txt",
		"/download/%2e%2e/%2e%2e",
		"/../../etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd",
		"/assets/..%2f..%2f..%2fetc%2fpasswd",
		"/assets/%2e%2e/%2e%2e/secret.txt",
		"/..%2f..%2fsecret.txt",
		"/%2e%2e%2fsecret.txt",
		"//etc/passwd",
		"/secret.txt",
	}
	noRedirect := *g.http
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, p := range paths {
		r := g.newReq("GET", "raw:"+p, "")
		r.Header.Set("Authorization", "Bearer "+admin)
		resp, err := noRedirect.Do(r)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		code := resp.StatusCode
		if code/100 == 3 && !strings.HasPrefix(resp.Header.Get("Location"), "/") {
			t.Errorf("GET %s: redirect to %q, want a local path", p, resp.Header.Get("Location"))
		}
		if bytes.Contains(body, []byte(secretMarker)) || bytes.Contains(body, []byte("root:x:0:0")) {
			t.Errorf("GET %s: got %d and a file from outside the served directories", p, code)
		}
		if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/download/") {
			if code == 200 {
				t.Errorf("GET %s: got 200, want an error", p)
			}
		}
	}
	// The legitimate download still works.
	g.must(200, "GET", "/download/linux/amd64", "", nil, nil)
}

// nastyText are values that break naive SQL, LIKE, HTML or JSON handling.
var nastyText = []string{
	`'; DROP TABLE users; --`,
	`" OR "1"="1`,
	`1' OR '1'='1' /*`,
	`%_\`,
	`Robert'); DELETE FROM audit; --`,
	`<script>alert(1)</script>`,
	`ünïcödé ✓ 🎉`,
}

func TestSQLMetacharactersRoundTripAsData(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	for i, s := range nastyText {
		var tk struct {
			ID                            int64
			Title, Description, Requester string
		}
		g.must(201, "POST", "/api/v1/tickets", admin, map[string]string{"title": "T " + s, "description": s, "requester": s}, &tk)
		var got struct{ Title, Description, Requester string }
		g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), admin, nil, &got)
		if got.Title != "T "+s || got.Description != s || got.Requester != s {
			t.Errorf("ticket %q: round trip gave %+v", s, got)
		}
		var found []struct{ ID int64 }
		g.must(200, "GET", "/api/v1/tickets?q="+url.QueryEscape(s), admin, nil, &found)
		hit := false
		for _, f := range found {
			hit = hit || f.ID == tk.ID
		}
		if !hit {
			t.Errorf("search q=%q does not find its ticket (got %d results)", s, len(found))
		}
		name := fmt.Sprintf("u%d", i)
		g.must(201, "POST", "/api/v1/users", admin, map[string]string{"name": name, "role": "technician", "password": "long enough password", "display_name": s}, nil)
		var u struct {
			DisplayName string `json:"display_name"`
		}
		g.must(200, "PATCH", "/api/v1/users/"+name, admin, map[string]any{"display_name": s + "!"}, &u)
		if u.DisplayName != strings.TrimSpace(s+"!") {
			t.Errorf("display name %q: got %q", s+"!", u.DisplayName)
		}
	}
	// Search for a string no ticket holds finds nothing (not everything).
	var none []struct{ ID int64 }
	g.must(200, "GET", "/api/v1/tickets?q="+url.QueryEscape(`zz' OR '1'='1`), admin, nil, &none)
	if len(none) != 0 {
		t.Errorf("search with an injection finds %d tickets, want 0", len(none))
	}
	// Audit filters are data too.
	for _, f := range []string{"actor", "action"} {
		for _, s := range nastyText {
			var es []struct{ Seq int64 }
			g.must(200, "GET", "/api/v1/audit?"+f+"="+url.QueryEscape(s), admin, nil, &es)
			if len(es) != 0 {
				t.Errorf("audit %s=%q: got %d entries, want 0", f, s, len(es))
			}
		}
	}
	var ok struct{ OK bool }
	g.must(200, "GET", "/api/v1/audit/verify", admin, nil, &ok)
	if !ok.OK {
		t.Error("audit chain does not verify after the nasty inputs")
	}
	var users []struct{ Name string }
	g.must(200, "GET", "/api/v1/users", admin, nil, &users)
	if len(users) != 1+len(nastyText) {
		t.Errorf("users: got %d, want %d", len(users), 1+len(nastyText))
	}
}

func TestHugeBodyAndSlowHeaders(t *testing.T) {
	g := startGateway(t, func(c *server.Config) { c.ReadHeaderTimeout = time.Second })
	admin := g.login("admin", adminPassword)

	t.Run("10 MB JSON body", func(t *testing.T) {
		body := `{"title":"` + strings.Repeat("a", 10<<20) + `"}`
		r := g.newReq("POST", "/api/v1/tickets", body)
		r.Header.Set("Authorization", "Bearer "+admin)
		resp, err := g.http.Do(r)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("10 MB body: got %d, want 413", resp.StatusCode)
			}
		} else {
			t.Logf("10 MB body: the server hung up while we wrote (%v)", err)
		}
		g.must(200, "GET", "/healthz", "", nil, nil)
		g.must(200, "GET", "/api/v1/me", admin, nil, nil)
	})

	t.Run("slow headers", func(t *testing.T) {
		conn, err := tls.Dial("tcp", g.srv.URL().Host, g.tls)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Slow: ", g.srv.URL().Host)
		// Never finish the headers. The server must hang up on its own,
		// well before this generous deadline.
		conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		_, err = bufio.NewReader(conn).ReadByte()
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the server kept a slow-header connection open for 15s (ReadHeaderTimeout is 1s)")
		}
		if err == nil {
			t.Fatal("the server answered an unfinished request")
		}
		g.must(200, "GET", "/healthz", "", nil, nil)
	})
}

func TestSecurityHeadersOnEveryResponseKind(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "tether-client-linux-amd64"), []byte("client binary"), 0o600)
	g := startGateway(t, func(c *server.Config) { c.DownloadsDir = root })
	admin := g.login("admin", adminPassword)
	cases := []struct {
		name, method, path, token string
		body                      string
	}{
		{"API JSON", "GET", "/api/v1/me", admin, ""},
		{"API 401", "GET", "/api/v1/me", "", ""},
		{"API 404", "GET", "/api/v1/nope", admin, ""},
		{"API 400", "POST", "/api/v1/tickets", admin, `{"title":`},
		{"login", "POST", "/api/v1/login", "", `{"username":"admin","password":"` + adminPassword + `"}`},
		{"healthz", "GET", "/healthz", "", ""},
		{"static index", "GET", "/", "", ""},
		{"SPA route", "GET", "/tickets/1", "", ""},
		{"download", "GET", "/download/linux/amd64", "", ""},
		{"download 404", "GET", "/download/plan9/mips", "", ""},
		{"join look-up", "GET", "/api/v1/join/ABCD-EFGH", "", ""},
	}
	check := func(name string, h http.Header) {
		t.Helper()
		for k, want := range map[string]string{
			"Strict-Transport-Security": "max-age=",
			"Content-Security-Policy":   "frame-ancestors 'none'",
			"X-Content-Type-Options":    "nosniff",
			"Referrer-Policy":           "no-referrer",
			"X-Frame-Options":           "DENY",
		} {
			if !strings.Contains(h.Get(k), want) {
				t.Errorf("%s: header %s = %q, want it to contain %q", name, k, h.Get(k), want)
			}
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: CSP allows scripts from elsewhere: %q", name, h.Get("Content-Security-Policy"))
		}
	}
	for _, c := range cases {
		r := g.newReq(c.method, c.path, c.body)
		if c.token != "" {
			r.Header.Set("Authorization", "Bearer "+c.token)
		}
		_, h, _ := g.do(r)
		check(c.name, h)
	}
	// SSE: read the headers only.
	r := g.newReq("GET", "/api/v1/events", "")
	r.Header.Set("Authorization", "Bearer "+admin)
	resp, err := g.http.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	check("SSE", resp.Header)
	resp.Body.Close()
	// Recording download: a real recording needs a shell; the 404 path shares the headers code.
	r = g.newReq("GET", "/api/v1/recordings/r_doesnotexist", "")
	r.Header.Set("Authorization", "Bearer "+admin)
	_, h, _ := g.do(r)
	check("recording 404", h)
}
