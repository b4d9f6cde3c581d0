package e2e

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// clientFrom returns an HTTP client for g whose connections come from ip
// (any 127.0.0.0/8 address works on loopback), so a test can play several
// addresses at once.
func (g *gw) clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	tr := &http.Transport{TLSClientConfig: g.tls.Clone(), DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	g.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// loginFrom posts a login from hc and returns the status.
func (g *gw) loginFrom(hc *http.Client, user, pw string) int {
	g.t.Helper()
	r, _ := http.NewRequest("POST", g.url+"/api/v1/login", strings.NewReader(`{"username":"`+user+`","password":"`+pw+`"}`))
	r.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(r)
	if err != nil {
		g.t.Fatalf("login from another address: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestGuessingDoesNotLockOutTheRealUser: a guesser spends the account's
// whole burst from one address and goes on from others. The guesser's
// address is refused, the other addresses are slowed down, and the real
// admin still signs in from their own address (before: 429, locked out).
func TestGuessingDoesNotLockOutTheRealUser(t *testing.T) {
	g := startGateway(t)
	guesser := g.clientFrom("127.0.0.2")
	for i := range 10 { // the login limiter's burst
		if code := g.loginFrom(guesser, "admin", "guess-"+string(rune('a'+i))); code != 401 {
			t.Fatalf("guess %d from 127.0.0.2: got %d, want 401", i+1, code)
		}
	}
	if code := g.loginFrom(guesser, "admin", "guess-k"); code != 429 {
		t.Errorf("11th guess from 127.0.0.2: got %d, want 429 (per address and per account+address)", code)
	}

	// From fresh addresses the account is slowed down, not closed.
	for i, ip := range []string{"127.0.0.3", "127.0.0.4"} {
		start := time.Now()
		code := g.loginFrom(g.clientFrom(ip), "admin", "guess-from-elsewhere")
		if took := time.Since(start); code != 401 || took < time.Duration(i+1)*250*time.Millisecond {
			t.Errorf("guess from %s: got %d after %v, want 401 after at least %v", ip, code, took, time.Duration(i+1)*250*time.Millisecond)
		}
	}

	// The real admin, from their own address, with the right password.
	if code := g.loginFrom(g.http, "admin", adminPassword); code != 200 {
		t.Fatalf("real admin after the guessing: got %d, want 200", code)
	}
	// Having signed in from here, they skip the account's slow-down: even
	// with every waiting slot taken by guessers (one guess answered 429
	// "for this account" proves it), the real admin gets in.
	ips := []string{"127.0.0.5", "127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9"}
	statuses := make(chan int, len(ips))
	var clients []*http.Client
	for _, ip := range ips {
		hc := g.clientFrom(ip)
		// Connect first, so the guesses below arrive together.
		resp, err := hc.Get(g.url + "/healthz")
		if err != nil {
			t.Fatalf("healthz from %s: %v", ip, err)
		}
		resp.Body.Close()
		clients = append(clients, hc)
	}
	for _, hc := range clients {
		go func() { statuses <- g.loginFrom(hc, "admin", "more-guessing") }()
	}
	if code := <-statuses; code != 429 {
		t.Fatalf("five guesses at once on a slowed account: first answer %d, want 429 (two wait, the others are refused)", code)
	}
	if code := g.loginFrom(g.http, "admin", adminPassword); code != 200 {
		t.Errorf("real admin while guessers hold the account's slots: got %d, want 200", code)
	}
	got := map[int]int{429: 1}
	for range len(ips) - 1 {
		got[<-statuses]++
	}
	if got[401]+got[429] != len(ips) || got[401] < 2 {
		t.Errorf("answers to the five guesses: %v, want only 401 (slowed, at least the two that waited) and 429", got)
	}
}
