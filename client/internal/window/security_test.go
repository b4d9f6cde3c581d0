package window

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

func TestWithoutTheSecretNothingIsServed(t *testing.T) {
	w := start(t, Config{})
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/", "/state", "/events", "/window.js", "/open", "/open?k=", "/open?k=guess"} {
		res, err := c.Get(w.origin + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s without the secret: %d, want 403", path, res.StatusCode)
		}
		checkHeaders(t, path, res.Header)
	}
	p := &page{t: t, w: w, c: c}
	if got := p.post("/consent", `{"scopes":["shell"]}`); got != http.StatusForbidden {
		t.Errorf("POST without the cookie: %d, want 403", got)
	}
}

func TestTheSecretLinkWorksOnce(t *testing.T) {
	w := start(t, Config{})
	link := w.URL()
	p := openPage(t, w)
	if got := p.do("GET", "/state", "", "", ""); got != 200 {
		t.Fatalf("GET /state with the cookie: %d", got)
	}
	jar, _ := cookiejar.New(nil)
	other := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	res, err := other.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("the link used a second time: %d, want 403", res.StatusCode)
	}
	fresh := w.NewLink()
	if fresh == link {
		t.Fatal("NewLink returned the used link")
	}
	res, err = other.Get(fresh)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("a fresh link: %d", res.StatusCode)
	}
	for _, c := range jar.Cookies(res.Request.URL) {
		if c.Name == w.cookieName() && c.Value != "" {
			return
		}
	}
	t.Fatal("no session cookie after the fresh link")
}

func TestCookieIsStrict(t *testing.T) {
	w := start(t, Config{})
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(w.URL())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sc := res.Header.Get("Set-Cookie")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Strict") {
		t.Fatalf("open: %d, Set-Cookie %q", res.StatusCode, sc)
	}
}

func TestWrongHostIsRefused(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	_, port, _ := strings.Cut(w.host, ":")
	for _, host := range []string{"evil.example:" + port, "localhost:" + port, "127.0.0.1", "127.0.0.1:1"} {
		for _, path := range []string{"/state", "/open?k=x"} {
			req, _ := http.NewRequest("GET", w.origin+path, nil)
			req.Host = host // what a DNS-rebinding page's requests carry
			res, err := p.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusMisdirectedRequest {
				t.Errorf("Host %s %s: %d, want 421", host, path, res.StatusCode)
			}
		}
	}
}

func TestCrossOriginAndFormPostsAreRefused(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	body := `{"scopes":["shell"]}`
	if got := p.do("POST", "/consent", body, "application/json", "http://evil.example"); got != http.StatusForbidden {
		t.Errorf("cross-origin POST: %d, want 403", got)
	}
	if got := p.do("POST", "/consent", body, "application/json", "null"); got != http.StatusForbidden {
		t.Errorf("Origin null: %d, want 403", got)
	}
	if got := p.do("POST", "/consent", body, "application/json", ""); got != http.StatusForbidden {
		t.Errorf("POST without Origin: %d, want 403", got)
	}
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		if got := p.do("POST", "/consent", body, ct, w.origin); got != http.StatusUnsupportedMediaType {
			t.Errorf("POST %q: %d, want 415", ct, got)
		}
	}
	if got := p.do("GET", "/events", "", "", "http://evil.example"); got != http.StatusForbidden {
		t.Errorf("cross-origin /events: %d, want 403", got)
	}
	req, _ := http.NewRequest("GET", w.origin+"/state", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := p.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("Sec-Fetch-Site cross-site: %d, want 403", res.StatusCode)
	}
	// The same request from the page itself reaches the handler (no question open).
	if got := p.post("/consent", body); got != http.StatusConflict {
		t.Errorf("same-origin POST with no question open: %d, want 409", got)
	}
	if got := p.post("/say", `{"text":"`+strings.Repeat("a", maxBody)+`"}`); got != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", got)
	}
	if got := p.post("/consent", `{"scopes":["shell"],"extra":1}`); got != http.StatusBadRequest {
		t.Errorf("unknown field: %d, want 400", got)
	}
}

func TestStrictHeaders(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	for _, path := range []string{"/", "/window.js", "/window.css", "/state"} {
		res, err := p.c.Get(w.origin + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		checkHeaders(t, path, res.Header)
	}
}

func checkHeaders(t *testing.T, path string, h http.Header) {
	t.Helper()
	want := map[string]string{
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
		"X-Frame-Options": "DENY", "Cross-Origin-Opener-Policy": "same-origin",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("%s: CSP %q lacks %q", path, csp, part)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("%s: CSP allows inline code", path)
	}
}

func TestListensOnLoopbackOnly(t *testing.T) {
	w := start(t, Config{})
	if !strings.HasPrefix(w.host, "127.0.0.1:") || !strings.HasPrefix(w.URL(), "http://127.0.0.1:") {
		t.Fatalf("listening on %s, URL %s", w.host, w.URL())
	}
}

// TestTwoWindowsInOneBrowser: browsers keep cookies by host, not port, so
// two consent windows on 127.0.0.1 (two sessions) share one cookie jar;
// opening the second must not sign the first out.
func TestTwoWindowsInOneBrowser(t *testing.T) {
	a, b := start(t, Config{}), start(t, Config{})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	for _, w := range []*Window{a, b} {
		res, err := c.Get(w.URL())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	for i, w := range []*Window{a, b} {
		res, err := c.Get(w.origin + "/state")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("window %d after both were opened: GET /state %d, want 200", i+1, res.StatusCode)
		}
	}
}
