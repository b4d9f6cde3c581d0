package e2e

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// expireInvite moves an invite's expiry into the past, directly in the database file.
func expireInvite(t *testing.T, g *gw, code string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(g.data, "tether.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	past := time.Now().Add(-time.Minute).UTC()
	res, err := db.Exec(`UPDATE invites SET expires_at = ? WHERE code = ?`, past.UnixNano(), code)
	if err != nil {
		t.Fatalf("expire invite: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("expire invite: %d rows changed, want 1", n)
	}
}
