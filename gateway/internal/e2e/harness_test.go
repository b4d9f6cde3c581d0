// Package e2e runs the real gateway (in-process, TLS on loopback) against the
// real tether-client binary, end to end: sign in, ticket, invite, join,
// shell over WebSocket, recording.
package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/gateway/internal/server"
)

const adminPassword = "correct horse battery staple"

// The real binaries, built once for all tests.
var clientBin, gatewayBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tether-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	clientBin = filepath.Join(dir, "tether-client")
	gatewayBin = filepath.Join(dir, "tether-gateway")
	cmd := exec.Command("go", "build", "-o", dir, "github.com/tetherhq/tether/client/cmd/tether-client", "github.com/tetherhq/tether/gateway/cmd/tether-gateway")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tether-client:", err)
		os.Exit(1)
	}
	baseline := goleak.IgnoreCurrent()
	code := m.Run()
	os.RemoveAll(dir)
	// Every gateway the tests started has stopped: nothing it started may
	// still run (broker sessions, shells, recorders, event streams, timers).
	if code == 0 {
		if err := goleak.Find(baseline); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked by the gateway:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// gw is a gateway running for one test.
type gw struct {
	t       *testing.T
	srv     *server.Server
	url     string
	fp      []byte
	data    string
	http    *http.Client
	tls     *tls.Config
	stopped chan struct{}
	cancel  context.CancelFunc
}

func startGateway(t *testing.T, mod ...func(*server.Config)) *gw {
	t.Helper()
	data := t.TempDir()
	cfg := server.Config{DataDir: data, Listen: "127.0.0.1:0", AdminPassword: adminPassword, Out: io.Discard}
	for _, m := range mod {
		m(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("server.New: %v", err)
	}
	g := &gw{t: t, srv: srv, url: srv.URL().String(), fp: srv.Fingerprint(), data: data, stopped: make(chan struct{}), cancel: cancel}
	g.tls = certs.PinnedClientConfig(g.fp, srv.URL().Hostname())
	g.http = &http.Client{Transport: &http.Transport{TLSClientConfig: g.tls}, Timeout: 30 * time.Second}
	go func() {
		defer close(g.stopped)
		if err := srv.Serve(ctx); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	t.Cleanup(g.stop)
	return g
}

func (g *gw) stop() {
	g.http.CloseIdleConnections()
	g.cancel()
	select {
	case <-g.stopped:
	case <-time.After(20 * time.Second):
		g.t.Errorf("gateway did not stop within 20s")
	}
}

// req sends a JSON request and returns status and body.
func (g *gw) req(method, path, token string, body any) (int, []byte) {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case []byte:
			rd = bytes.NewReader(b)
		case string:
			rd = strings.NewReader(b)
		default:
			j, _ := json.Marshal(body)
			rd = bytes.NewReader(j)
		}
	}
	r, _ := http.NewRequest(method, g.url+path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := g.http.Do(r)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// must sends a request and fails the test unless the status is want.
func (g *gw) must(want int, method, path, token string, body, out any) {
	g.t.Helper()
	code, b := g.req(method, path, token, body)
	if code != want {
		g.t.Fatalf("%s %s: got status %d (%s), want %d", method, path, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			g.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

func (g *gw) login(user, pw string) string {
	g.t.Helper()
	var out struct{ Token string }
	g.must(200, "POST", "/api/v1/login", "", map[string]string{"username": user, "password": pw}, &out)
	return out.Token
}

func (g *gw) addUser(admin, name, role string) string {
	g.t.Helper()
	pw := "password-of-" + name
	g.must(201, "POST", "/api/v1/users", admin, map[string]string{"name": name, "role": role, "password": pw, "display_name": strings.ToUpper(name[:1]) + name[1:]}, nil)
	return g.login(name, pw)
}

type invite struct {
	Code, URL, Join string
	ExpiresAt       time.Time `json:"expires_at"`
}

func (g *gw) ticketAndInvite(token string, scopes ...string) (int64, invite) {
	g.t.Helper()
	var tk struct{ ID int64 }
	g.must(201, "POST", "/api/v1/tickets", token, map[string]string{"title": "Printer on fire", "description": "it is really on fire"}, &tk)
	var inv invite
	g.must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/invites", tk.ID), token, map[string]any{"scopes": scopes}, &inv)
	return tk.ID, inv
}

type session struct {
	ID        string
	State     string
	Granted   []string
	EndReason string `json:"end_reason"`
	Host      struct{ Hostname, OS string }
}

// waitSession polls the ticket's sessions until one is in state.
func (g *gw) waitSession(token string, ticket int64, state string) session {
	g.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last []session
	for time.Now().Before(deadline) {
		g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d/sessions", ticket), token, nil, &last)
		for _, s := range last {
			if s.State == state {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	g.t.Fatalf("no session in state %q on ticket %d; sessions: %+v", state, ticket, last)
	return session{}
}

// dialShell opens the shell WebSocket.
func (g *gw) dialShell(token, sessionID string, cols, rows int, origin string) (*websocket.Conn, *http.Response, error) {
	u, _ := url.Parse(g.url)
	u.Scheme = "wss"
	u.Path = "/api/v1/sessions/" + sessionID + "/shell"
	u.RawQuery = fmt.Sprintf("cols=%d&rows=%d", cols, rows)
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	d := websocket.Dialer{TLSClientConfig: g.tls, HandshakeTimeout: 10 * time.Second}
	return d.Dial(u.String(), h)
}

// client is a running tether-client process.
type client struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startClient(t *testing.T, args ...string) *client {
	t.Helper()
	return startClientWith(t, nil, args...)
}

// startClientWith starts the client with stdin (nil: none) and extra environment.
func startClientWith(t *testing.T, stdin io.Reader, args ...string) *client {
	t.Helper()
	c := &client{out: &syncBuffer{}, done: make(chan struct{})}
	c.cmd = exec.Command(clientBin, args...)
	c.cmd.Stdin = stdin
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	c.cmd.Env = append(os.Environ(), "SHELL=/bin/sh")
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start client: %v", err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("client output:\n%s", c.out.String())
		}
	})
	return c
}

// waitOutput waits until the client printed s.
func (c *client) waitOutput(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(c.out.String(), s) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("client never printed %q; output:\n%s", s, c.out.String())
}

// wait waits for the client to exit and returns its exit code.
func (c *client) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("client did not exit; output:\n%s", c.out.String())
	}
	return c.cmd.ProcessState.ExitCode()
}

// readUntil reads shell frames until the output contains want.
func readUntil(t *testing.T, ws *websocket.Conn, want string) string {
	t.Helper()
	var sb strings.Builder
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for !strings.Contains(sb.String(), want) {
		typ, p, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("reading shell until %q: %v; got so far %q", want, err, sb.String())
		}
		if typ == websocket.BinaryMessage {
			sb.Write(p)
		}
	}
	return sb.String()
}
