package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// TestWithOwnerStampsNewRows: the gateway opens its store WithOwner; rows
// it creates without an owner get the instance, explicit owners are kept.
func TestWithOwnerStampsNewRows(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, WithOwner("gw_here"))
	tk := &store.Ticket{Title: "t", CreatedBy: "alice"}
	if err := s.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	mine := &store.Session{ID: "s_mine", TicketID: tk.ID}
	theirs := &store.Session{ID: "s_theirs", TicketID: tk.ID, Owner: "gw_there"}
	for _, ss := range []*store.Session{mine, theirs} {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	if mine.Owner != "gw_here" || theirs.Owner != "gw_there" {
		t.Errorf("CreateSession owners = %q, %q; want gw_here, gw_there", mine.Owner, theirs.Owner)
	}
	rec := &store.Recording{ID: "r_1", TicketID: tk.ID, SessionID: "s_mine", Kind: store.KindScreen, Key: "k"}
	if err := s.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recording(ctx, "r_1")
	if err != nil || got.Owner != "gw_here" || rec.Owner != "gw_here" {
		t.Errorf("recording owner = %+v, %v (created %q); want gw_here", got, err, rec.Owner)
	}
}

// TestMigrationAddsOwnersToAnOldFile builds a database at schema version 4
// (before owners), with an open session and recording, and opens it: the
// migration runs, the old rows are unowned until a gateway claims them.
func TestMigrationAddsOwnersToAnOldFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`}
	for _, m := range ms[:4] {
		stmts = append(stmts, m.sql, `INSERT INTO schema_version VALUES (`+strconv.Itoa(m.version)+`, '`+m.name+`', 0)`)
	}
	stmts = append(stmts,
		`INSERT INTO tickets (title, description, status, requester, created_by, assigned_to, created_at, updated_at) VALUES ('t', '', 'open', '', 'alice', '', 0, 0)`,
		`INSERT INTO sessions (id, ticket_id, invite_code, technician, state, scopes, granted, host_hostname, host_os, host_os_version, host_arch, host_user, client_version, remote_addr, created_at, end_reason)
			VALUES ('s_old', 1, '', '', 'connected', '[]', '[]', '', '', '', '', '', '', '', 0, '')`,
		`INSERT INTO recordings (id, ticket_id, session_id, kind, actor, title, state, blob_key, started_at, size, sha256, signature)
			VALUES ('r_old', 1, 's_old', 'terminal', 'alice', '', 'recording', 'k', 0, 0, '', '')`,
	)
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("building the version-4 file: %v\n%s", err, q)
		}
	}
	db.Close()

	s := reopen(t, path)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	ss, err := s.Session(ctx, "s_old")
	if err != nil || ss.Owner != "" {
		t.Fatalf("old session after migration = %+v, %v; want unowned", ss, err)
	}
	if n, err := s.ClaimUnowned(ctx, "gw_1"); err != nil || n != 2 {
		t.Fatalf("ClaimUnowned = %d, %v; want 2", n, err)
	}
	recs, err := s.InterruptOpenRecordings(ctx, "gw_1", t0)
	if err != nil || len(recs) != 1 || recs[0].ID != "r_old" {
		t.Errorf("InterruptOpenRecordings(gw_1) = %+v, %v; want r_old", recs, err)
	}
}
