package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// The behaviour of every method is tested by the conformance suite
// (conformance_test.go); these helpers serve the tests of what is SQLite's
// alone.

var t0 = time.Date(2026, 11, 24, 9, 30, 0, 123456789, time.UTC)

// openTest opens a store in a fresh temp dir with a fixed clock at t0.
func openTest(t *testing.T, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tether.db")
	s, err := Open(context.Background(), path, append([]Option{WithClock(func() time.Time { return t0 })}, opts...)...)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

// reopen opens path a second time (the caller's store stays open, as a
// second process would see it).
func reopen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen %q: %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// path returns the file behind s.
func (s *Store) path(t *testing.T) string {
	t.Helper()
	var seq int
	var name, file string
	if err := s.db.QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		t.Fatal(err)
	}
	return file
}

// testSeal is a stand-in for audit.Hash (which imports package store).
func testSeal(prev string, e *store.AuditEntry) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%s|%s|%d|%s|%s|%s|%d",
		prev, e.Seq, e.Actor, e.Action, e.TicketID, e.SessionID, e.RemoteAddr, e.Details, e.Time.UnixNano()))
	return hex.EncodeToString(h[:])
}

func TestClampLimit(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{0, 1000}, {-5, 1000}, {7, 7}, {10000, 10000}, {10001, 10000}} {
		if got := clampLimit(tt.in, store.DefaultAuditLimit, store.MaxAuditLimit); got != tt.want {
			t.Errorf("clampLimit(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
