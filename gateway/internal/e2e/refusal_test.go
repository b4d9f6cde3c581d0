package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/internal/wire"
)

func TestScopeNotGrantedIsRefusedByTheClient(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell", "diagnostics")
	c := startClient(t, "join", "--accept", "diagnostics", inv.Join)
	s := g.waitSession(admin, ticket, "connected")
	_, resp, err := g.dialShell(admin, s.ID, 80, 24, "")
	if err == nil {
		t.Fatal("shell without the shell scope: dial succeeded, want 403")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("shell without the shell scope: got %v, want 403", resp)
	}
	c.waitOutput(t, `you did not grant "shell"`)
}

func TestJoinRefusals(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)

	t.Run("unknown code", func(t *testing.T) {
		j := wire.Join{Addr: g.srv.URL().Host, Code: wire.NewCode(), Fingerprint: g.fp}
		c := startClient(t, "join", "--accept", "shell", j.String())
		if code := c.wait(t); code != 1 {
			t.Errorf("exit code: got %d, want 1", code)
		}
		if !strings.Contains(c.out.String(), "not valid") {
			t.Errorf("client output does not say the code is not valid:\n%s", c.out.String())
		}
	})
	t.Run("used invite", func(t *testing.T) {
		ticket, inv := g.ticketAndInvite(admin, "shell")
		first := startClient(t, "join", "--accept", "shell", inv.Join)
		g.waitSession(admin, ticket, "connected")
		second := startClient(t, "join", "--accept", "shell", inv.Join)
		if code := second.wait(t); code != 1 {
			t.Errorf("second join exit code: got %d, want 1", code)
		}
		if !strings.Contains(second.out.String(), "already used") {
			t.Errorf("second client does not say the invite was used:\n%s", second.out.String())
		}
		_ = first
	})
	t.Run("wrong fingerprint", func(t *testing.T) {
		_, inv := g.ticketAndInvite(admin, "shell")
		j, _ := wire.ParseJoin(inv.Join)
		j.Fingerprint = make([]byte, 32)
		c := startClient(t, "join", "--accept", "shell", j.String())
		if code := c.wait(t); code != 1 {
			t.Errorf("exit code: got %d, want 1", code)
		}
		if !strings.Contains(c.out.String(), "does not match the fingerprint") {
			t.Errorf("client does not explain the fingerprint refusal:\n%s", c.out.String())
		}
		// The invite was not burned by the refused connection.
		code, _ := g.req("GET", "/api/v1/join/"+inv.Code, "", nil)
		var info struct{ State string }
		_, b := g.req("GET", "/api/v1/join/"+inv.Code, "", nil)
		json.Unmarshal(b, &info)
		if code != 200 || info.State != "valid" {
			t.Errorf("invite after a refused connection: got %d %q, want 200 valid", code, info.State)
		}
	})
	t.Run("bad join strings", func(t *testing.T) {
		for _, bad := range []string{"", "nonsense", "tether1:host:1/ABC", "https://x/j/" + strings.Repeat("A", 600), "tether1:h:1/AAAA-AAAA-AAAA-AAAA#sha256=short"} {
			c := startClient(t, "join", "--accept", "shell", bad)
			if code := c.wait(t); code != 2 {
				t.Errorf("join %q: exit code %d, want 2 (usage error); output:\n%s", bad, code, c.out.String())
			}
		}
	})
}

func TestExpiredInvite(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	var tk struct{ ID int64 }
	g.must(201, "POST", "/api/v1/tickets", admin, map[string]string{"title": "t"}, &tk)
	var inv invite
	g.must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/invites", tk.ID), admin, map[string]any{"scopes": []string{"shell"}, "expires_in_s": 60}, &inv)
	// Age the invite in the database (the clock is not injectable across the process boundary).
	expireInvite(t, g, inv.Code)
	c := startClient(t, "join", "--accept", "shell", inv.Join)
	if code := c.wait(t); code != 1 {
		t.Errorf("exit code: got %d, want 1", code)
	}
	if !strings.Contains(c.out.String(), "expired") {
		t.Errorf("client does not say the invite expired:\n%s", c.out.String())
	}
	var info struct{ State string }
	g.must(200, "GET", "/api/v1/join/"+inv.Code, "", nil, &info)
	if info.State != "expired" {
		t.Errorf("join info state: got %q, want expired", info.State)
	}
}

func TestAPIRefusals(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	auditor := g.addUser(admin, "audrey", "auditor")
	ticket, inv := g.ticketAndInvite(admin, "shell")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(admin, ticket, "connected")

	t.Run("bad password and unknown user get the same answer", func(t *testing.T) {
		c1, b1 := g.req("POST", "/api/v1/login", "", map[string]string{"username": "admin", "password": "wrong password"})
		c2, b2 := g.req("POST", "/api/v1/login", "", map[string]string{"username": "nobody", "password": "wrong password"})
		if c1 != 401 || c2 != 401 || string(b1) != string(b2) {
			t.Errorf("got %d %s and %d %s, want identical 401s", c1, b1, c2, b2)
		}
	})
	t.Run("auditor cannot open a shell or create tickets", func(t *testing.T) {
		_, resp, err := g.dialShell(auditor, s.ID, 80, 24, "")
		if err == nil || resp == nil || resp.StatusCode != 403 {
			t.Errorf("auditor shell: got %v, want 403", resp)
		}
		if code, _ := g.req("POST", "/api/v1/tickets", auditor, map[string]string{"title": "x"}); code != 403 {
			t.Errorf("auditor create ticket: got %d, want 403", code)
		}
		if code, _ := g.req("GET", "/api/v1/audit", auditor, nil); code != 200 {
			t.Errorf("auditor read audit: got %d, want 200", code)
		}
	})
	t.Run("foreign origin websocket", func(t *testing.T) {
		_, resp, err := g.dialShell(admin, s.ID, 80, 24, "https://evil.example")
		if err == nil || resp == nil || resp.StatusCode != 403 {
			t.Errorf("cross-origin shell: got %v, want 403", resp)
		}
	})
	t.Run("forged tokens", func(t *testing.T) {
		claims := jwt.MapClaims{"sub": "admin", "role": "admin", "iss": g.url, "aud": "tether", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		otherKey, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(other)
		none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
		hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		body, _ := json.Marshal(claims)
		handNone := hdr + "." + base64.RawURLEncoding.EncodeToString(body) + "."
		for name, tok := range map[string]string{"other key": otherKey, "alg none": none, "hand-made none": handNone, "garbage": "abc.def.ghi"} {
			if code, _ := g.req("GET", "/api/v1/me", tok, nil); code != 401 {
				t.Errorf("%s: got %d, want 401", name, code)
			}
		}
	})
	t.Run("malformed input", func(t *testing.T) {
		cases := []struct {
			name string
			body any
			want int
		}{
			{"bad json", `{"title":`, 400},
			{"wrong type", `{"title": 5}`, 400},
			{"unknown field", `{"title":"x","evil":1}`, 400},
			{"trailing data", `{"title":"x"} {}`, 400},
			{"empty title", `{"title":"  "}`, 400},
			{"oversized", `{"title":"` + strings.Repeat("a", 2<<20) + `"}`, 413},
		}
		for _, c := range cases {
			if code, b := g.req("POST", "/api/v1/tickets", admin, c.body); code != c.want || !strings.Contains(string(b), `"error"`) {
				t.Errorf("%s: got %d %s, want %d with an error message", c.name, code, b, c.want)
			}
		}
		if code, _ := g.req("POST", fmt.Sprintf("/api/v1/tickets/%d/invites", ticket), admin, map[string]any{"scopes": []string{"root"}}); code != 400 {
			t.Errorf("unknown scope: got %d, want 400", code)
		}
		if code, _ := g.req("GET", "/api/v1/tickets/abc", admin, nil); code != 400 {
			t.Errorf("bad ticket id: got %d, want 400", code)
		}
		if code, _ := g.req("GET", "/api/v1/recordings/..%2f..%2fetc%2fpasswd", admin, nil); code != 404 {
			t.Errorf("traversal in recording id: got %d, want 404", code)
		}
	})
	t.Run("oversized websocket frame", func(t *testing.T) {
		ws, _, err := g.dialShell(admin, s.ID, 80, 24, "")
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer ws.Close()
		ws.WriteMessage(websocket.BinaryMessage, make([]byte, 1<<20))
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				if !websocket.IsCloseError(err, websocket.CloseMessageTooBig, websocket.CloseNormalClosure) && !strings.Contains(err.Error(), "close") {
					t.Logf("closed with %v", err)
				}
				break
			}
		}
		// The gateway is still fine.
		if code, _ := g.req("GET", "/healthz", "", nil); code != 200 {
			t.Errorf("healthz after oversized frame: %d", code)
		}
	})
}
