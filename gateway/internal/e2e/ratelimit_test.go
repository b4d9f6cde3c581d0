package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestLoginRateLimit: repeated bad passwords for one user are answered 429
// with Retry-After, and then even the right password waits: guessing is slow.
func TestLoginRateLimit(t *testing.T) {
	g := startGateway(t)
	var last int
	var retry string
	for i := 0; i < 12; i++ {
		r, _ := http.NewRequest("POST", g.url+"/api/v1/login", strings.NewReader(`{"username":"admin","password":"guess-number-x"}`))
		r.Header.Set("Content-Type", "application/json")
		resp, err := g.http.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last, retry = resp.StatusCode, resp.Header.Get("Retry-After")
	}
	if last != 429 || retry == "" {
		t.Fatalf("12th bad login: got %d with Retry-After %q, want 429 with Retry-After", last, retry)
	}
	if code, _ := g.req("POST", "/api/v1/login", "", map[string]string{"username": "admin", "password": adminPassword}); code != 429 {
		t.Errorf("right password while limited: got %d, want 429", code)
	}
}
