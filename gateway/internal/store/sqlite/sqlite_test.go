package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/store"
)

func TestOpenCreatesPrivateFileAndMigrates(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("db file mode = %o, want 600", got)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ms, _ := migrations(); v != len(ms) || v < 2 {
		t.Errorf("SchemaVersion = %d, want %d (every migration)", v, len(ms))
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk, busy int
	if err := s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if fk != 1 || busy != 5000 {
		t.Errorf("foreign_keys = %d, busy_timeout = %d; want 1, 5000", fk, busy)
	}
}

func TestReopenKeepsDataAndMigrationsAreIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	for i := 0; i < 3; i++ {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i, err)
		}
		if err := s.CreateUser(ctx, &store.User{Name: "u" + string(rune('a'+i)), Role: store.RoleAuditor}); err != nil {
			t.Fatalf("open #%d: CreateUser: %v", i, err)
		}
		n, err := s.CountUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != i+1 {
			t.Errorf("open #%d: CountUsers = %d, want %d", i, n, i+1)
		}
		var rows int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_version`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if ms, _ := migrations(); rows != len(ms) {
			t.Errorf("open #%d: schema_version rows = %d, want %d (one per migration)", i, rows, len(ms))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"", filepath.Join(dir, "a?mode=memory"), filepath.Join(dir, "missing", "x.db")} {
		if s, err := Open(context.Background(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q) = nil error, want one", p)
		}
	}
}

func TestMigrationsAreNumbered(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].name != "0001_init.sql" {
		t.Fatalf("migrations = %v, want 0001_init.sql first", ms)
	}
}
