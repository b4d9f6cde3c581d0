package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// nasty are text values that break naive SQL or LIKE handling; every text
// field must round-trip them unchanged.
var nasty = []string{
	`'; DROP TABLE users; --`,
	`%`,
	`_`,
	`100%_done`,
	`"double" 'single' ` + "`back`",
	`back\slash \% \_`,
	`日本語 ✓ émoji 🎉 ünïcödé`,
	"tab\tnew\nline",
	``,
}

// testClock is a settable clock for deterministic default timestamps.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 11, 24, 9, 30, 0, 123456789, time.UTC)

// openTest opens a store in a fresh temp dir with a fake clock at t0.
func openTest(t *testing.T) (*Store, string, *testClock) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tether.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	clk := &testClock{t: t0}
	s.now = clk.Now
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path, clk
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

// mustTicket creates a ticket and returns its id.
func mustTicket(t *testing.T, s *Store, title string) int64 {
	t.Helper()
	tk := &store.Ticket{Title: title, CreatedBy: "alice"}
	if err := s.CreateTicket(context.Background(), tk); err != nil {
		t.Fatalf("CreateTicket(%q): %v", title, err)
	}
	return tk.ID
}

// cmpOpts treats nil and empty slices/maps alike.
var cmpOpts = []cmp.Option{cmpopts.EquateEmpty()}

func ptr[T any](v T) *T { return &v }

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
