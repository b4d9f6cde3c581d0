package api

import (
	"testing"
	"time"
)

func TestPolicyInterval(t *testing.T) {
	cases := []struct {
		max, idle, want time.Duration
	}{
		{8 * time.Hour, 30 * time.Minute, 30 * time.Second},
		{time.Second, -1, 100 * time.Millisecond},
		{-1, 10 * time.Second, time.Second},
		{-1, -1, 0},
		{5 * time.Minute, 0, 30 * time.Second},
	}
	for _, c := range cases {
		if got := policyInterval(c.max, c.idle); got != c.want {
			t.Errorf("policyInterval(%v, %v) = %v, want %v", c.max, c.idle, got, c.want)
		}
	}
}

func TestMFAExemptPaths(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/v1/me":             true,
		"/api/v1/me/mfa/enroll":  true,
		"/api/v1/me/mfa/confirm": true,
		"/api/v1/me/mfa":         true,
		"/api/v1/logout":         true,
		"/api/v1/tickets":        false,
		"/api/v1/mess":           false,
		"/api/v1/events":         false,
		"/api/v1/users":          false,
	} {
		if got := mfaExempt(path); got != want {
			t.Errorf("mfaExempt(%q) = %v, want %v", path, got, want)
		}
	}
}
