package e2e

import (
	"bufio"
	"crypto/ed25519"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/gateway/internal/api"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/server"
)

// do sends r through the gateway's pinned client and returns status, headers and body.
func (g *gw) do(r *http.Request) (int, http.Header, []byte) {
	g.t.Helper()
	resp, err := g.http.Do(r)
	if err != nil {
		g.t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, b
}

// newReq builds a request; a path starting with "raw:" is sent byte for byte
// (no client-side cleaning of "..", "%2e%2e" and friends).
func (g *gw) newReq(method, path string, body string) *http.Request {
	g.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	raw, isRaw := strings.CutPrefix(path, "raw:")
	r, err := http.NewRequest(method, g.url+"/", rd)
	if err != nil {
		g.t.Fatal(err)
	}
	if isRaw {
		r.URL.Opaque = "//" + r.URL.Host + raw
	} else {
		r.URL, _ = url.Parse(g.url + path)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

func cookie(tok string) string { return api.CookieName + "=" + tok }

// gatewayKeys loads the running gateway's token key from its data dir.
func gatewayJWTKey(t *testing.T, g *gw) ed25519.PrivateKey {
	t.Helper()
	k, err := auth.LoadOrCreateKey(filepath.Join(g.data, "keys", "jwt.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestForgedAndStaleTokensAreRefused(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	key := gatewayJWTKey(t, g)
	pub := key.Public().(ed25519.PublicKey)
	sshPub, _ := ssh.NewPublicKey(pub)

	claims := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": "admin", "role": "admin", "iss": g.url, "aud": "tether", "jti": "x",
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "nbf": time.Now().Unix()}
	}
	hs := func(secret []byte) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims()).SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	issue := func(cfg auth.TokensConfig) string {
		cfg.Key = key
		tk, err := auth.NewTokens(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := tk.Issue("admin", "admin", 0)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	past := func() time.Time { return time.Now().Add(-2 * time.Hour) }
	cases := map[string]string{
		"alg none":                      none,
		"HS256 keyed with raw pub key":  hs(pub),
		"HS256 keyed with ssh pub key":  hs(ssh.MarshalAuthorizedKey(sshPub)),
		"HS256 keyed with pub key wire": hs(sshPub.Marshal()),
		"expired":                       issue(auth.TokensConfig{Issuer: g.url, Audience: "tether", TTL: time.Hour, Clock: past}),
		"wrong audience":                issue(auth.TokensConfig{Issuer: g.url, Audience: "someone-else"}),
		"wrong issuer":                  issue(auth.TokensConfig{Issuer: "https://evil.example", Audience: "tether"}),
	}
	// Control: the same key and claims, done right, are accepted.
	if code, _ := g.req("GET", "/api/v1/me", issue(auth.TokensConfig{Issuer: g.url, Audience: "tether"}), nil); code != 200 {
		t.Fatalf("control token: got %d, want 200", code)
	}
	for name, tok := range cases {
		for _, via := range []string{"bearer", "cookie"} {
			r := g.newReq("GET", "/api/v1/me", "")
			if via == "bearer" {
				r.Header.Set("Authorization", "Bearer "+tok)
			} else {
				r.Header.Set("Cookie", cookie(tok))
			}
			if code, _, b := g.do(r); code != 401 {
				t.Errorf("%s via %s: got %d %s, want 401", name, via, code, b)
			}
		}
	}

	t.Run("tampered cookie", func(t *testing.T) {
		r := g.newReq("GET", "/api/v1/me", "")
		r.Header.Set("Cookie", cookie(admin))
		if code, _, _ := g.do(r); code != 200 {
			t.Fatalf("valid cookie: got %d, want 200", code)
		}
		parts := strings.Split(admin, ".")
		flip := func(s string, i int) string {
			b := []byte(s)
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			return string(b)
		}
		tech := g.addUser(admin, "tina", "technician")
		tp := strings.Split(tech, ".")
		for name, tok := range map[string]string{
			"signature byte":                      parts[0] + "." + parts[1] + "." + flip(parts[2], 5),
			"payload byte":                        parts[0] + "." + flip(parts[1], 10) + "." + parts[2],
			"technician payload, admin signature": tp[0] + "." + tp[1] + "." + parts[2],
			"truncated":                           admin[:len(admin)-3],
			"empty":                               "",
		} {
			r := g.newReq("GET", "/api/v1/me", "")
			r.Header.Set("Cookie", cookie(tok))
			if code, _, b := g.do(r); code != 401 {
				t.Errorf("%s: got %d %s, want 401", name, code, b)
			}
		}
	})
}

func TestCrossSiteRequestsWithCookieAreRefused(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(admin, ticket, "connected")
	d := websocket.Dialer{TLSClientConfig: g.tls, HandshakeTimeout: 10 * time.Second}
	wsURL := func(path string) string {
		u, _ := url.Parse(g.url)
		u.Scheme, u.Path = "wss", path
		return u.String()
	}
	for _, c := range []struct{ name, path, origin string }{
		{"shell, foreign origin", "/api/v1/sessions/" + s.ID + "/shell", "https://evil.example"},
		{"shell, no origin", "/api/v1/sessions/" + s.ID + "/shell", ""},
		{"shell, http origin of the same host", "/api/v1/sessions/" + s.ID + "/shell", "http://" + g.srv.URL().Host},
		{"events, foreign origin", "/api/v1/events", "https://evil.example"},
		{"events, no origin", "/api/v1/events", ""},
	} {
		h := http.Header{"Cookie": {cookie(admin)}}
		if c.origin != "" {
			h.Set("Origin", c.origin)
		}
		ws, resp, err := d.Dial(wsURL(c.path), h)
		if err == nil {
			ws.Close()
			t.Errorf("%s: upgrade succeeded, want 403", c.name)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: got %v (%v), want 403", c.name, resp, err)
		}
	}

	t.Run("cookie POST without or with a foreign Origin", func(t *testing.T) {
		for _, origin := range []string{"", "https://evil.example", "null"} {
			r := g.newReq("POST", "/api/v1/tickets", `{"title":"csrf"}`)
			r.Header.Set("Cookie", cookie(admin))
			if origin != "" {
				r.Header.Set("Origin", origin)
			}
			if code, _, b := g.do(r); code != 403 {
				t.Errorf("Origin %q: got %d %s, want 403", origin, code, b)
			}
		}
		// The same request from the gateway's own page works.
		r := g.newReq("POST", "/api/v1/tickets", `{"title":"same origin"}`)
		r.Header.Set("Cookie", cookie(admin))
		r.Header.Set("Origin", g.url)
		if code, _, b := g.do(r); code != 201 {
			t.Errorf("same-origin cookie POST: got %d %s, want 201", code, b)
		}
		// A cross-site login is refused too (login CSRF).
		r = g.newReq("POST", "/api/v1/login", `{"username":"admin","password":"`+adminPassword+`"}`)
		r.Header.Set("Origin", "https://evil.example")
		if code, _, _ := g.do(r); code != 403 {
			t.Errorf("cross-site login: got %d, want 403", code)
		}
	})

	t.Run("same-origin cookie event stream works", func(t *testing.T) {
		r := g.newReq("GET", "/api/v1/events", "")
		r.Header.Set("Cookie", cookie(admin))
		resp, err := g.http.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		if resp.StatusCode != 200 || !strings.HasPrefix(line, "retry:") {
			t.Errorf("events: got %d %q, want 200 and a stream", resp.StatusCode, line)
		}
	})
}

func totpNow(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMFA(t *testing.T) {
	g := startGateway(t, func(c *server.Config) {
		c.Security.RequireMFA = map[string]bool{"technician": true}
	})
	admin := g.login("admin", adminPassword)
	g.addUserNoLogin(admin, "tom", "technician")

	// Required but not enrolled: login works and says so, the API refuses the rest.
	var lr struct {
		Token    string
		Required bool `json:"mfa_enrollment_required"`
	}
	g.must(200, "POST", "/api/v1/login", "", map[string]string{"username": "tom", "password": "password-of-tom"}, &lr)
	if !lr.Required {
		t.Fatal("login of a technician without MFA: mfa_enrollment_required is not true")
	}
	tom := lr.Token
	code, b := g.req("GET", "/api/v1/tickets", tom, nil)
	if code != 403 || !strings.Contains(string(b), "enroll MFA first") {
		t.Errorf("tickets before enrolling: got %d %s, want 403 enroll MFA first", code, b)
	}
	var me struct {
		Required bool `json:"mfa_enrollment_required"`
	}
	g.must(200, "GET", "/api/v1/me", tom, nil, &me)
	if !me.Required {
		t.Error("/me does not say mfa_enrollment_required")
	}

	var en struct {
		Secret     string
		OtpauthURL string `json:"otpauth_url"`
	}
	g.must(200, "POST", "/api/v1/me/mfa/enroll", tom, map[string]any{}, &en)
	if !strings.HasPrefix(en.OtpauthURL, "otpauth://totp/") || !strings.Contains(en.OtpauthURL, en.Secret) {
		t.Fatalf("enroll: otpauth_url %q does not carry the secret", en.OtpauthURL)
	}
	if code, _ := g.req("POST", "/api/v1/me/mfa/confirm", tom, map[string]string{"otp": "000000"}); code != 400 {
		t.Errorf("confirm with a wrong code: got %d, want 400", code)
	}
	now := time.Now()
	var conf struct {
		RecoveryCodes []string `json:"recovery_codes"`
		Token         string
	}
	g.must(200, "POST", "/api/v1/me/mfa/confirm", tom, map[string]string{"otp": totpNow(t, en.Secret, now)}, &conf)
	if len(conf.RecoveryCodes) != api.RecoveryCodeCount {
		t.Fatalf("confirm: got %d recovery codes, want %d", len(conf.RecoveryCodes), api.RecoveryCodeCount)
	}
	// Turning MFA on ends every earlier sign-in; the confirming one gets a fresh token.
	if code, _ := g.req("GET", "/api/v1/tickets", tom, nil); code != 401 {
		t.Errorf("the token from before MFA was turned on: got %d, want 401", code)
	}
	tom = conf.Token
	g.must(200, "GET", "/api/v1/tickets", tom, nil, nil)

	login := func(otp string) (int, []byte) {
		return g.req("POST", "/api/v1/login", "", map[string]string{"username": "tom", "password": "password-of-tom", "otp": otp})
	}
	if code, b := login(""); code != 401 || !strings.Contains(string(b), "otp_required") {
		t.Errorf("login without a code: got %d %s, want 401 otp_required", code, b)
	}
	// The code used to confirm is spent: its step cannot sign in again.
	if code, _ := login(totpNow(t, en.Secret, now)); code != 401 {
		t.Errorf("login replaying the confirm code: got %d, want 401", code)
	}
	next := totpNow(t, en.Secret, now.Add(30*time.Second))
	if code, b := login(next); code != 200 {
		t.Fatalf("login with the next code: got %d %s, want 200", code, b)
	}
	if code, _ := login(next); code != 401 {
		t.Errorf("login replaying the same code: got %d, want 401", code)
	}
	rc := strings.ToLower(conf.RecoveryCodes[3]) // case and dashes do not matter
	if code, b := login(rc); code != 200 {
		t.Errorf("login with a recovery code: got %d %s, want 200", code, b)
	}
	if code, _ := login(rc); code != 401 {
		t.Errorf("login with the same recovery code again: got %d, want 401", code)
	}
	// The role requires MFA: it cannot be turned off by the user.
	if code, _ := g.req("DELETE", "/api/v1/me/mfa", tom, map[string]string{"otp": conf.RecoveryCodes[0]}); code != 409 {
		t.Errorf("turning off required MFA: got %d, want 409", code)
	}

	// An admin (not required) can turn theirs on and off.
	g.must(200, "POST", "/api/v1/me/mfa/enroll", admin, map[string]any{}, &en)
	g.must(200, "POST", "/api/v1/me/mfa/confirm", admin, map[string]string{"otp": totpNow(t, en.Secret, now)}, &conf)
	admin = conf.Token
	if code, _ := g.req("DELETE", "/api/v1/me/mfa", admin, map[string]string{"otp": "123456"}); code != 403 {
		t.Errorf("turning MFA off with a wrong code: got %d, want 403", code)
	}
	g.must(204, "DELETE", "/api/v1/me/mfa", admin, map[string]string{"otp": conf.RecoveryCodes[1]}, nil)
	admin = g.login("admin", adminPassword) // turning MFA off ended the earlier sign-ins

	// Every change is in the audit.
	var es []struct{ Action, Actor string }
	g.must(200, "GET", "/api/v1/audit?limit=1000", admin, nil, &es)
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Action] = true
	}
	for _, want := range []string{"mfa.enroll", "mfa.enable", "mfa.disable", "mfa.recovery"} {
		if !seen[want] {
			t.Errorf("audit has no %s entry", want)
		}
	}
}

// addUserNoLogin creates a user with password "password-of-NAME".
func (g *gw) addUserNoLogin(admin, name, role string) {
	g.t.Helper()
	g.must(201, "POST", "/api/v1/users", admin, map[string]string{"name": name, "role": role, "password": "password-of-" + name}, nil)
}

func TestAPIRateLimit(t *testing.T) {
	g := startGateway(t, func(c *server.Config) {
		c.Security.APILimiter = auth.NewLimiter(auth.LimiterConfig{Burst: 5, Every: time.Hour})
	})
	admin := g.login("admin", adminPassword)
	var last *http.Response
	for i := 0; i < 10; i++ {
		r := g.newReq("GET", "/api/v1/me", "")
		r.Header.Set("Authorization", "Bearer "+admin)
		resp, err := g.http.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
		t.Errorf("11th request in a burst of 5: got %d Retry-After %q, want 429 with Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
	}
	// Other users are not affected.
	code, b := g.req("POST", "/api/v1/login", "", map[string]string{"username": "admin", "password": adminPassword})
	if code != 200 {
		t.Errorf("login while the API limit holds: got %d %s", code, b)
	}
}
