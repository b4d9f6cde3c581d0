package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store/storetest"
)

var _ storetest.Store = (*Store)(nil)

// TestConformance runs the shared store suite against SQLite files in
// t.TempDir(); Reopen opens a second *sql.DB pool on the same file, as a
// second gateway process or an offline command would.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		New: func(t *testing.T, now func() time.Time) storetest.Store {
			path := filepath.Join(t.TempDir(), "tether.db")
			s, err := Open(context.Background(), path, WithClock(now))
			if err != nil {
				t.Fatalf("Open(%q): %v", path, err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			return s
		},
		Reopen: func(t *testing.T, s storetest.Store) storetest.Store {
			return reopen(t, s.(*Store).path(t))
		},
	})
}
