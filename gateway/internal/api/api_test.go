package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/gateway/internal/store/sqlite"
)

// apiHarness is a real API (real SQLite file, real broker, real tokens)
// behind httptest, without any agent: what the handlers do on their own.
type apiHarness struct {
	t   *testing.T
	a   *API
	st  *sqlite.Store
	srv *httptest.Server
}

func newAPIHarness(t *testing.T) *apiHarness {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "tether.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.NewDir(filepath.Join(dir, "recordings"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.New(broker.Config{Store: st, SSHKey: signer})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens(auth.TokensConfig{Key: key, Issuer: "https://gw.test", Audience: "tether"})
	if err != nil {
		t.Fatal(err)
	}
	lg, err := audit.New(audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://gw.test")
	a, err := New(Config{Store: st, Broker: b, Tokens: tokens, Audit: lg, Blobs: blobs, PublicURL: u, SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Close(ctx)
		b.Close(ctx, "test over")
	})
	return &apiHarness{t: t, a: a, st: st, srv: srv}
}

// user creates a user and returns a bearer token for it.
func (h *apiHarness) user(name string, role store.Role) string {
	h.t.Helper()
	hash, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		h.t.Fatal(err)
	}
	u := &store.User{Name: name, Role: role, PasswordHash: hash}
	if err := h.st.CreateUser(context.Background(), u); err != nil {
		h.t.Fatal(err)
	}
	u, err = h.st.UserByName(context.Background(), name)
	if err != nil {
		h.t.Fatal(err)
	}
	tok, _, err := h.a.cfg.Tokens.Issue(name, string(role), u.TokenVersion)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (h *apiHarness) do(method, path, token string, body any, out any) int {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

func TestHandlersWithoutAnAgent(t *testing.T) {
	h := newAPIHarness(t)
	tech := h.user("tina", store.RoleTechnician)
	aud := h.user("otto", store.RoleAuditor)

	if code := h.do("GET", "/healthz", "", nil, nil); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	if code := h.do("GET", "/api/v1/me", "", nil, nil); code != 401 {
		t.Errorf("me without a token: %d, want 401", code)
	}
	var me map[string]any
	if code := h.do("GET", "/api/v1/me", tech, nil, &me); code != 200 {
		t.Errorf("me: %d", code)
	}
	var tk store.Ticket
	if code := h.do("POST", "/api/v1/tickets", tech, map[string]string{"title": "printer jams"}, &tk); code != 201 && code != 200 {
		t.Fatalf("create ticket: %d", code)
	}
	if code := h.do("POST", "/api/v1/tickets", tech, map[string]string{"title": ""}, nil); code != 400 {
		t.Errorf("create ticket without title: %d, want 400", code)
	}
	if code := h.do("POST", "/api/v1/tickets", aud, map[string]string{"title": "x"}, nil); code != 403 {
		t.Errorf("auditor creates a ticket: %d, want 403", code)
	}
	var list []map[string]any
	if code := h.do("GET", "/api/v1/tickets", aud, nil, &list); code != 200 || len(list) != 1 {
		t.Errorf("list tickets as auditor: %d, %d tickets, want 200 and 1", code, len(list))
	}
	path := "/api/v1/tickets/" + itoa(int(tk.ID))
	if code := h.do("GET", path, tech, nil, nil); code != 200 {
		t.Errorf("get ticket: %d", code)
	}
	var inv map[string]any
	if code := h.do("POST", path+"/invites", tech, map[string]any{"scopes": []string{"shell"}}, &inv); code != 201 && code != 200 {
		t.Errorf("create invite: %d %v", code, inv)
	}
	for _, p := range []string{"/api/v1/sessions/s_nothere", "/api/v1/recordings/r_nothere/meta", "/api/v1/tickets/999999"} {
		if code := h.do("GET", p, tech, nil, nil); code != 404 {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	if code := h.do("GET", "/api/v1/nonsense", tech, nil, nil); code != 404 {
		t.Errorf("unknown endpoint: %d, want 404", code)
	}
	if code := h.do("GET", "/api/v1/runbooks", tech, nil, nil); code != 200 {
		t.Errorf("runbooks: %d", code)
	}
	if code := h.do("GET", "/api/v1/audit", aud, nil, nil); code != 200 {
		t.Errorf("audit as auditor: %d", code)
	}
	if code := h.do("GET", "/api/v1/audit/verify", aud, nil, nil); code != 200 {
		t.Errorf("audit verify: %d", code)
	}
}

// TestRecordingMetaVerifies: /meta reports what the recorder service's
// Verify finds, for a recording the service sealed.
func TestRecordingMetaVerifies(t *testing.T) {
	h := newAPIHarness(t)
	tech := h.user("tina", store.RoleTechnician)
	ctx := context.Background()
	tk := &store.Ticket{Title: "t", CreatedBy: "tina"}
	if err := h.st.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	sess := &store.Session{ID: store.NewID("s_"), TicketID: tk.ID, Technician: "tina", State: store.SessionEnded, Host: store.HostInfo{Hostname: "pc"}}
	if err := h.st.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	rec, err := h.a.recs.StartTerminal(ctx, sess, "tina", 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		State      string `json:"state"`
		Verified   bool   `json:"verified"`
		VerifyNote string `json:"verify_note"`
	}
	if code := h.do("GET", "/api/v1/recordings/"+rec.ID()+"/meta", tech, nil, &meta); code != 200 || meta.Verified || meta.VerifyNote != "not sealed yet" {
		t.Errorf("meta while recording: %d %+v", code, meta)
	}
	rec.Output([]byte("hello\r\n"))
	rec.Finish(ctx, cause.ShellExited)
	if code := h.do("GET", "/api/v1/recordings/"+rec.ID()+"/meta", tech, nil, &meta); code != 200 || !meta.Verified ||
		meta.VerifyNote != "SHA-256 and Ed25519 signature verify" || meta.State != store.RecordingSealed {
		t.Errorf("meta once sealed: %d %+v", code, meta)
	}
	req, _ := http.NewRequest("GET", h.srv.URL+"/api/v1/recordings/"+rec.ID(), nil)
	req.Header.Set("Authorization", "Bearer "+tech)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "hello") || resp.Header.Get("X-Tether-SHA256") == "" {
		t.Errorf("download: %d, %d bytes, sha header %q", resp.StatusCode, len(body), resp.Header.Get("X-Tether-SHA256"))
	}
}

// TestAgentEndpointRefusesBrowsers: the agent endpoint's HTTP part (now in
// the api package) refuses a request with an Origin and one that is not a
// WebSocket upgrade, before the broker sees anything.
func TestAgentEndpointRefusesBrowsers(t *testing.T) {
	h := newAPIHarness(t)
	req, _ := http.NewRequest("GET", h.srv.URL+"/api/v1/agent", nil)
	req.Header.Set("Origin", "https://evil.example")
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("agent request with an Origin: %d, want 403", resp.StatusCode)
	}
	resp, err = h.srv.Client().Get(h.srv.URL + "/api/v1/agent")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("agent request without an upgrade: %d, want 400", resp.StatusCode)
	}
}
