package window

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

// page is a browser that opened the window's one-time link.
type page struct {
	t *testing.T
	w *Window
	c *http.Client
}

func start(t *testing.T, cfg Config) *Window {
	t.Helper()
	cfg.Open = func(string) error { return nil }
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- w.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return w
}

func openPage(t *testing.T, w *Window) *page {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := c.Get(w.URL())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/" {
		t.Fatalf("opening the link: %d at %s", res.StatusCode, res.Request.URL)
	}
	return &page{t: t, w: w, c: c}
}

// post sends a JSON POST as the page's script would.
func (p *page) post(path, body string) int {
	p.t.Helper()
	return p.do("POST", path, body, "application/json", p.w.origin)
}

func (p *page) do(method, path, body, ctype, origin string) int {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.w.origin+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	res, err := p.c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// view is the part of the state the tests read.
type view struct {
	Version    int64
	Phase      string
	Problem    string
	Technician string
	Scopes     []scopeView
	Granted    []scopeView
	Connected  bool
	Now        nowView
	Activity   []activityLine
	Chat       []chatLine
	Ask        *struct {
		ID     string
		Scopes []scopeView
		Reason string
	}
	File *struct {
		ID   string
		Text string
	}
	Ended *endedView
}

// waitFor reads /events until cond holds (the page's own live updates).
func (p *page) waitFor(what string, cond func(v view) bool) view {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.w.origin+"/events", nil)
	res, err := p.c.Do(req)
	if err != nil {
		p.t.Fatalf("waiting for %s: %v", what, err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var last view
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		last = view{}
		if err := json.Unmarshal([]byte(data), &last); err != nil {
			p.t.Fatal(err)
		}
		if cond(last) {
			return last
		}
	}
	p.t.Fatalf("timed out waiting for %s; last state %+v", what, last)
	return last
}

func scopesOf(vs []scopeView) string {
	var s []string
	for _, v := range vs {
		s = append(s, string(v.Scope))
	}
	return strings.Join(s, ",")
}
