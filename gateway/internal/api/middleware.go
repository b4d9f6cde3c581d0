package api

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// CookieName is the session cookie set by login.
const CookieName = "tether_session"

// ContentSecurityPolicy is sent on every response. No inline script and no
// eval; 'wasm-unsafe-eval' lets the replay player compile its WebAssembly
// terminal (it does not allow JavaScript eval).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secure adds security headers to every response and bounds header abuse.
func (a *API) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// principal is the signed-in user of a request.
type principal struct {
	Name string
	// Display is the name shown to end users (the display name, else the user name).
	Display string
	Role    store.Role
	// ByCookie is true when the browser's cookie authenticated the request
	// (so Origin must be checked on state changes).
	ByCookie bool
	// MFA is true when the user has a second factor turned on.
	MFA bool
	// Version and Expires are the token's version and expiry: a channel
	// held open lives no longer than they stay valid (see hold).
	Version int64
	Expires time.Time
}

type ctxKey struct{}

func who(r *http.Request) principal {
	p, _ := r.Context().Value(ctxKey{}).(principal)
	return p
}

// authenticate reads the bearer token or the cookie and checks the user is
// still enabled with the same role and token version (a sign-out or a
// change of password, second factor, role or state ends older tokens).
func (a *API) authenticate(r *http.Request) (principal, bool) {
	var tok string
	byCookie := false
	if h := r.Header.Get("Authorization"); h != "" {
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return principal{}, false
		}
		tok = strings.TrimSpace(t)
	} else if c, err := r.Cookie(CookieName); err == nil {
		tok, byCookie = c.Value, true
	}
	if tok == "" {
		return principal{}, false
	}
	claims, err := a.cfg.Tokens.Verify(tok)
	if err != nil {
		return principal{}, false
	}
	u, err := a.cfg.Store.UserByName(r.Context(), claims.Subject)
	if err != nil || u.Disabled || string(u.Role) != claims.Role || u.TokenVersion != claims.Version {
		return principal{}, false
	}
	display := u.DisplayName
	if display == "" {
		display = u.Name
	}
	var exp time.Time
	if claims.ExpiresAt != nil {
		exp = claims.ExpiresAt.Time
	}
	return principal{Name: u.Name, Display: display, Role: u.Role, ByCookie: byCookie, MFA: u.TOTPSecret != "",
		Version: claims.Version, Expires: exp}, true
}

// authed requires a signed-in user, and a same-origin request for state
// changes and WebSocket upgrades authenticated by cookie. It also applies
// the per-user API rate limit and, when the user's role requires MFA and
// the user has none, refuses everything but enrolling (see mfaExempt).
func (a *API) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := a.authenticate(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, "sign in required")
			return
		}
		if !a.originAllowed(r, p.ByCookie) {
			writeError(w, http.StatusForbidden, "cross-origin request refused")
			return
		}
		if ok, retry := a.cfg.APILimiter.Allow("api:" + p.Name); !ok {
			w.Header().Set("Retry-After", itoa(int(retry.Seconds())+1))
			writeError(w, http.StatusTooManyRequests, "too many requests; slow down")
			return
		}
		if a.mfaRequired(p) && !mfaExempt(r.URL.Path) {
			writeJSON(w, http.StatusForbidden, errorJSON{Error: "enroll MFA first", Code: codeMFAEnrollmentRequired, MFAEnrollmentRequired: true})
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
	}
}

// can requires the signed-in user's role to allow act and, for actions on
// one ticket (see ticketScoped), that the ticket is the user's to act on.
func (a *API) can(act auth.Action, next http.HandlerFunc) http.HandlerFunc {
	return a.authed(func(w http.ResponseWriter, r *http.Request) {
		if !auth.Can(string(who(r).Role), act) {
			writeError(w, http.StatusForbidden, "your role ("+string(who(r).Role)+") does not allow this")
			return
		}
		if ticketScoped[act] && !a.mayActOnTicket(w, r, act) {
			return
		}
		next(w, r)
	})
}

// originAllowed checks the Origin header. A present Origin must always be
// the gateway's own. A missing Origin is fine for safe methods and for
// bearer-token clients, but not for cookie-authenticated state changes or
// WebSocket upgrades (browsers always send it there).
func (a *API) originAllowed(r *http.Request, byCookie bool) bool {
	o := r.Header.Get("Origin")
	if o != "" {
		return a.sameOrigin(o, r)
	}
	upgrade := strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
	safe := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
	if !byCookie {
		return true
	}
	return safe && !upgrade
}

func (a *API) sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "https" {
		return false
	}
	if strings.EqualFold(u.Host, a.cfg.PublicURL.Host) {
		return true
	}
	// The browser may reach the gateway under another name (localhost vs
	// 127.0.0.1): the page's own origin is the Host it asked for.
	return strings.EqualFold(u.Host, r.Host)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
