package e2e

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// openDB opens the running gateway's database file, as an attacker with
// write access to the data directory would.
func openDB(t *testing.T, g *gw) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(g.data, "tether.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestAuditVerifyAPIRefusesDuplicateKeys: an attacker edits the user.create
// entry so SQLite's json_extract reads another user, keeping Go's reading
// (and so, before the fix, the hash) as it was. /api/v1/audit/verify must
// name that entry.
func TestAuditVerifyAPIRefusesDuplicateKeys(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	g.addUser(admin, "bob", "technician")
	type verdict struct {
		OK       bool   `json:"ok"`
		FirstBad int64  `json:"first_bad"`
		Reason   string `json:"reason"`
	}
	var v verdict
	g.must(200, "GET", "/api/v1/audit/verify", admin, nil, &v)
	if !v.OK {
		t.Fatalf("untouched chain: got %+v, want ok", v)
	}

	db := openDB(t, g)
	var seq int64
	if err := db.QueryRow(`SELECT seq FROM audit WHERE action = 'user.create' AND json_extract(details, '$.user') = 'bob'`).Scan(&seq); err != nil {
		t.Fatalf("find bob's user.create: %v", err)
	}
	if _, err := db.Exec(`UPDATE audit SET details = '{"user":"mallory",' || substr(details, 2) WHERE seq = ?`, seq); err != nil {
		t.Fatalf("tamper: %v", err)
	}
	var reads string
	if err := db.QueryRow(`SELECT json_extract(details, '$.user') FROM audit WHERE seq = ?`, seq).Scan(&reads); err != nil || reads != "mallory" {
		t.Fatalf("json_extract after tampering: got %q, %v; want mallory (the attack's premise)", reads, err)
	}

	v = verdict{}
	g.must(200, "GET", "/api/v1/audit/verify", admin, nil, &v)
	if v.OK || v.FirstBad != seq || !strings.Contains(v.Reason, `"user" appears twice`) {
		t.Errorf("tampered chain: got %+v, want broken at %d naming the duplicated key \"user\"", v, seq)
	}
}
