package audit

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/gateway/internal/store/sqlite"
)

// fakeClock ticks one millisecond per reading, so entries get distinct,
// predictable times.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// openStore opens a real SQLite file in a temp dir.
func openStore(t *testing.T) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tether.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// newLogger returns a Logger over st with a fake clock.
func newLogger(t *testing.T, st Appender, onAppend func(store.AuditEntry)) *Logger {
	t.Helper()
	l, err := New(Config{Store: st, Clock: (&fakeClock{t: t0}).Now, OnAppend: onAppend})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// buildChain records n events and returns the store and its file.
func buildChain(t *testing.T, n int) (*sqlite.Store, string) {
	t.Helper()
	st, path := openStore(t)
	l := newLogger(t, st, nil)
	for i := 1; i <= n; i++ {
		ev := Event{
			Actor: "alice", Action: Actions[i%len(Actions)], TicketID: int64(i % 3), SessionID: "s_x",
			RemoteAddr: "127.0.0.1:4242", Details: map[string]any{"i": i, "note": "'; DROP TABLE audit; --"},
		}
		if err := l.Record(context.Background(), ev); err != nil {
			t.Fatalf("Record #%d: %v", i, err)
		}
	}
	return st, path
}
