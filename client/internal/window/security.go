package window

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"strings"
)

// The checks every request passes, in order (docs/security.md, "The
// consent window"):
//
//  1. Host is exactly 127.0.0.1:PORT (421 otherwise): a DNS-rebinding page
//     (evil.example resolving to 127.0.0.1) sends its own name.
//  2. /open?k=SECRET: the one-time secret from the link the client opened
//     or printed (403 otherwise); it is dead after the first use, and sets
//     the session cookie (HttpOnly, SameSite=Strict) and redirects to /.
//  3. Everything else needs that cookie (403 otherwise).
//  4. A request with Origin or Sec-Fetch-Site must come from this very page
//     (403): another site cannot post here nor read /events.
//  5. State-changing requests are POST with Content-Type application/json
//     (405, 415): an HTML form cannot send that without CORS, which this
//     server never grants.
//  6. Bodies are bounded (maxBody).
//
// Every answer carries the gateway's strict headers (strictHeaders).

const maxBody = 32 << 10

// cookieName is the session cookie's name, with the port in it: browsers
// keep cookies by host, not port, so two windows on 127.0.0.1 (two
// sessions, or the gateway's own console in development) must not
// overwrite each other's cookie.
func (w *Window) cookieName() string {
	return "tether_window_" + w.host[strings.LastIndexByte(w.host, ':')+1:]
}

// contentSecurityPolicy allows only this page's own files: no inline
// script or style, no frames, no other origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func strictHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	h.Set("Cache-Control", "no-store")
}

func (w *Window) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", w.serveAsset("index.html"))
	mux.HandleFunc("GET /window.css", w.serveAsset("window.css"))
	mux.HandleFunc("GET /window.js", w.serveAsset("window.js"))
	mux.HandleFunc("GET /favicon.svg", w.serveAsset("favicon.svg"))
	mux.HandleFunc("GET /favicon.ico", func(rw http.ResponseWriter, _ *http.Request) { rw.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /state", w.getState)
	mux.HandleFunc("GET /events", w.events)
	for path, h := range w.posts() {
		mux.HandleFunc("POST "+path, w.jsonPost(h))
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		strictHeaders(rw.Header())
		if r.Host != w.host {
			http.Error(rw, "wrong host", http.StatusMisdirectedRequest)
			return
		}
		if r.URL.Path == "/open" {
			w.open(rw, r)
			return
		}
		if !w.hasCookie(r) {
			http.Error(rw, "open the link the Tether client showed you", http.StatusForbidden)
			return
		}
		if !w.sameOrigin(r) {
			http.Error(rw, "cross-origin request refused", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(rw, r)
	})
}

// open trades a one-time secret for the session cookie.
func (w *Window) open(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !w.useLink(r.URL.Query().Get("k")) {
		http.Error(rw, "this link was already used or is wrong: the Tether client prints a fresh one", http.StatusForbidden)
		return
	}
	http.SetCookie(rw, &http.Cookie{Name: w.cookieName(), Value: w.cookie, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(rw, r, "/", http.StatusSeeOther)
}

// useLink reports whether k is an unused one-time secret and uses it up.
func (w *Window) useLink(k string) bool {
	if k == "" {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for s := range w.links {
		if subtle.ConstantTimeCompare([]byte(s), []byte(k)) == 1 {
			delete(w.links, s)
			return true
		}
	}
	return false
}

func (w *Window) hasCookie(r *http.Request) bool {
	c, err := r.Cookie(w.cookieName())
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(w.cookie)) == 1
}

// sameOrigin: a browser names the page behind a request in Origin (every
// POST, cross-origin GETs) and Sec-Fetch-Site; both, when present, must say
// "this page". A POST must carry Origin.
func (w *Window) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o != "" && o != w.origin {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && o == "" {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

// jsonPost wraps a POST handler: JSON only, bounded body.
func (w *Window) jsonPost(h func(rw http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || !strings.EqualFold(mt, "application/json") {
			http.Error(rw, "Content-Type must be application/json", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(rw, r.Body, maxBody)
		h(rw, r)
	}
}
