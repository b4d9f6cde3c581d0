package api

import (
	"testing"
	"time"
)

func TestPolicyReason(t *testing.T) {
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		now, last   time.Time
		maxLen, idl time.Duration
		want        string
	}{
		{"fresh", start.Add(time.Minute), start, 8 * time.Hour, 30 * time.Minute, ""},
		{"idle", start.Add(31 * time.Minute), start, 8 * time.Hour, 30 * time.Minute, "the session was idle for 30m0s"},
		{"busy", start.Add(2 * time.Hour), start.Add(2*time.Hour - time.Minute), 8 * time.Hour, 30 * time.Minute, ""},
		{"too long though busy", start.Add(8 * time.Hour), start.Add(8 * time.Hour), 8 * time.Hour, 30 * time.Minute, "the session reached its maximum length (8h0m0s)"},
		{"limits off", start.Add(100 * time.Hour), start, -1, -1, ""},
		{"idle exactly at the limit", start.Add(30 * time.Minute), start, 0, 30 * time.Minute, "the session was idle for 30m0s"},
	}
	for _, tc := range tests {
		if got := policyReason(tc.now, start, tc.last, tc.maxLen, tc.idl); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
