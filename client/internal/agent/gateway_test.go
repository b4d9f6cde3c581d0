package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/internal/wire"
)

// realGateway is the real tether-gateway binary serving on loopback.
type realGateway struct {
	t     *testing.T
	url   string
	http  *http.Client
	token string
}

// startRealGateway builds and starts tether-gateway (the agent cannot
// import the gateway's packages) and signs in as admin.
func startRealGateway(t *testing.T) *realGateway {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the real gateway")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tether-gateway")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/tetherhq/tether/gateway/cmd/tether-gateway").CombinedOutput(); err != nil {
		t.Fatalf("build gateway: %v\n%s", err, out)
	}
	data, ready := filepath.Join(dir, "data"), filepath.Join(dir, "ready.json")
	const pw = "correct horse battery staple"
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", data, "--ready-file", ready, "--no-webrtc")
	cmd.Env = append(os.Environ(), "TETHER_ADMIN_PASSWORD="+pw)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var info struct{ URL, Fingerprint string }
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(ready)
		if err == nil && json.Unmarshal(b, &info) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the gateway never became ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	fp, err := certs.ParseFingerprint(info.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	g := &realGateway{t: t, url: info.URL, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: certs.PinnedClientConfig(fp, "127.0.0.1")}}}
	t.Cleanup(g.http.CloseIdleConnections)
	var login struct{ Token string }
	g.must(200, "POST", "/api/v1/login", map[string]string{"username": "admin", "password": pw}, &login)
	g.token = login.Token
	return g
}

func (g *realGateway) must(want int, method, path string, body, out any) {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	r, _ := http.NewRequest(method, g.url+path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if g.token != "" {
		r.Header.Set("Authorization", "Bearer "+g.token)
	}
	resp, err := g.http.Do(r)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		g.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			g.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRealGatewayChatAskRate: the real agent against the real gateway:
// consent given in the window is recorded; chat goes both ways and is
// sealed and verified at the end; the technician asks for shell, the
// agent's Ask allows it and the gateway grants exactly it; after the end
// the user rates the session once.
func TestRealGatewayChatAskRate(t *testing.T) {
	g := startRealGateway(t)
	var tk struct{ ID int64 }
	g.must(201, "POST", "/api/v1/tickets", map[string]string{"title": "Printer", "description": "offline"}, &tk)
	var inv struct{ Join string }
	g.must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/invites", tk.ID), map[string]any{"scopes": []string{"diagnostics", "shell"}}, &inv)
	j, err := wire.ParseJoin(inv.Join)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var chats []wire.ChatMessage
	asked := make(chan wire.AskNotice, 1)
	a, err := New(Config{
		Join: j, Version: "test", ConsentMethod: wire.ConsentWindow,
		Consent: func(context.Context, wire.Offer) (wire.Scopes, error) { return wire.Scopes{wire.ScopeDiagnostics}, nil },
		Chat:    func(m wire.ChatMessage) { mu.Lock(); chats = append(chats, m); mu.Unlock() },
		Ask: func(_ context.Context, n wire.AskNotice) (wire.Scopes, string, error) {
			asked <- n
			return wire.Scopes{wire.ScopeShell, wire.ScopeScreen}, wire.ConsentWindow, nil
		},
		Host: wire.HostInfo{Hostname: "pc", OS: "linux", User: "carol"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the session", func() bool { return a.SessionID() != "" && a.Granted().Has(wire.ScopeDiagnostics) })
	id := a.SessionID()
	waitFor(t, "connected", func() bool {
		var s struct{ State string }
		g.must(200, "GET", "/api/v1/sessions/"+id, nil, &s)
		return s.State == "connected"
	})

	g.must(201, "POST", "/api/v1/sessions/"+id+"/chat", map[string]string{"text": "Hello from the desk"}, nil)
	waitFor(t, "the technician's message", func() bool { mu.Lock(); defer mu.Unlock(); return len(chats) == 1 })
	if _, err := a.Say(ctx, "hi, it is offline again"); err != nil {
		t.Fatalf("Say: %v", err)
	}
	var ask struct{ ID string }
	g.must(201, "POST", "/api/v1/sessions/"+id+"/asks", map[string]any{"scopes": []string{"shell"}, "reason": "restart the spooler"}, &ask)
	if n := <-asked; n.ID != ask.ID || n.Reason != "restart the spooler" {
		t.Errorf("Ask got %+v", n)
	}
	var s struct {
		Granted []string
		Consent string
		Rating  *struct {
			Score   int
			Comment string
		}
	}
	waitFor(t, "shell granted", func() bool {
		g.must(200, "GET", "/api/v1/sessions/"+id, nil, &s)
		return slices.Contains(s.Granted, "shell")
	})
	if !slices.Equal(s.Granted, []string{"diagnostics", "shell"}) || s.Consent != "window" {
		t.Errorf("session: granted %v consent %q", s.Granted, s.Consent)
	}
	if !slices.Equal(a.Granted().Strings(), []string{"diagnostics", "shell"}) {
		t.Errorf("agent granted %v", a.Granted())
	}

	cancel() // the user ends the session
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	done <- nil
	var c struct {
		Messages []struct{ Sender, Text string }
		Seal     *struct{ Messages int }
		Verified bool
	}
	waitFor(t, "the seal", func() bool {
		g.must(200, "GET", "/api/v1/sessions/"+id+"/chat", nil, &c)
		return c.Seal != nil
	})
	if len(c.Messages) != 2 || c.Messages[0].Sender != "technician" || c.Messages[1].Sender != "user" || c.Seal.Messages != 2 || !c.Verified {
		t.Errorf("transcript %+v", c)
	}
	if err := a.Rate(context.Background(), 4, "quick and kind"); err != nil {
		t.Fatalf("Rate: %v", err)
	}
	if err := a.Rate(context.Background(), 2, ""); !errors.Is(err, ErrAlreadyRated) {
		t.Errorf("second Rate = %v, want ErrAlreadyRated", err)
	}
	g.must(200, "GET", "/api/v1/sessions/"+id, nil, &s)
	if s.Rating == nil || s.Rating.Score != 4 || !strings.Contains(s.Rating.Comment, "kind") {
		t.Errorf("rating %+v", s.Rating)
	}
}
