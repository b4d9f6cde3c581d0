package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/gateway/internal/store/sqlite"

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

// shellRecording opens a shell in session sessionID, runs one command,
// exits, and returns the recording once it is sealed.
func shellRecording(t *testing.T, g *gw, token string, ticket int64, sessionID string, n int) recording {
	t.Helper()
	ws, _, err := g.dialShell(token, sessionID, 80, 24, "")
	if err != nil {
		t.Fatalf("dial shell: %v", err)
	}
	defer ws.Close()
	m := marker(t)
	// The marker first, exit once it was read: output written just before
	// a shell exits can be lost by the pty (see docs/testing.md).
	ws.WriteMessage(websocket.BinaryMessage, []byte("echo "+m[:5]+"''"+m[5:]+"\n"))
	readUntil(t, ws, m)
	ws.WriteMessage(websocket.BinaryMessage, []byte("exit\n"))
	var detail struct{ Recordings []recording }
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", ticket), token, nil, &detail)
		sealed := 0
		for _, r := range detail.Recordings {
			if r.State == "sealed" {
				sealed++
			}
		}
		if sealed == n {
			return detail.Recordings[n-1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("recordings: got %+v, want %d sealed", detail.Recordings, n)
	return recording{}
}

// verifyRecordingCLI runs the real gateway binary's recording verify.
func verifyRecordingCLI(t *testing.T, data, file string) (int, string) {
	t.Helper()
	out, err := exec.Command(gatewayBin, "recording", "verify", "--data", data, file).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("run recording verify: %v", err)
	}
	return 0, string(out)
}

// TestRecordingVerifyChecksTheAuditSeal: two real recordings; the attacker
// replaces recording A's file and its recordings row with B's (file, sha256,
// signature and size: B's seal is genuinely signed by the gateway). Only the
// seal entry in the audit chain still names A's hash, so verify must say no.
func TestRecordingVerifyChecksTheAuditSeal(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "alice", "technician")
	ticket, inv := g.ticketAndInvite(tech, "shell")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(tech, ticket, "connected")
	a := shellRecording(t, g, tech, ticket, s.ID, 1)
	b := shellRecording(t, g, tech, ticket, s.ID, 2)
	if a.ID == b.ID || a.SHA256 == b.SHA256 {
		t.Fatalf("want two different recordings, got %+v and %+v", a, b)
	}
	fileOf := func(r recording) string {
		return filepath.Join(g.data, "recordings", fmt.Sprint(ticket), r.ID+".cast")
	}
	for _, r := range []recording{a, b} {
		if code, out := verifyRecordingCLI(t, g.data, fileOf(r)); code != 0 || !strings.Contains(out, "OK: intact") {
			t.Fatalf("untouched %s: exit %d\n%s", r.ID, code, out)
		}
	}
	g.stop() // the copies below are taken from a quiet database

	tests := []struct {
		name       string
		stmts      []string
		file       bool // also copy B's file over A's
		appendSeal bool // also append, with a correct hash, a seal for A naming B's hash
		problem    string
	}{
		{"file and row swapped", []string{
			`UPDATE recordings SET sha256 = (SELECT sha256 FROM recordings WHERE id = $b),
				signature = (SELECT signature FROM recordings WHERE id = $b),
				size = (SELECT size FROM recordings WHERE id = $b) WHERE id = $a`,
		}, true, false, "disagrees with the seal"},
		{"swapped, and a well-hashed seal appended", []string{
			`UPDATE recordings SET sha256 = (SELECT sha256 FROM recordings WHERE id = $b),
				signature = (SELECT signature FROM recordings WHERE id = $b),
				size = (SELECT size FROM recordings WHERE id = $b) WHERE id = $a`,
		}, true, true, "2 seals for recording"},
		{"seal entry duplicated", []string{
			`INSERT INTO audit (seq, time, actor, action, ticket_id, session_id, remote_addr, details, prev_hash, hash)
				SELECT (SELECT max(seq) FROM audit) + 1, time, actor, action, ticket_id, session_id, remote_addr, details, prev_hash, hash
				FROM audit WHERE action = 'recording.seal' AND json_extract(details, '$.recording_id') = $a`,
		}, false, false, "seals for recording"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			if err := os.CopyFS(data, os.DirFS(g.data)); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite", filepath.Join(data, "tether.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, q := range tt.stmts {
				if _, err := db.Exec(q, sql.Named("a", a.ID), sql.Named("b", b.ID)); err != nil {
					t.Fatalf("tamper: %v", err)
				}
			}
			if tt.appendSeal {
				appendForgedSeal(t, filepath.Join(data, "tether.db"), a.ID, b.ID)
			}
			fileA := filepath.Join(data, "recordings", fmt.Sprint(ticket), a.ID+".cast")
			if tt.file {
				content, err := os.ReadFile(filepath.Join(data, "recordings", fmt.Sprint(ticket), b.ID+".cast"))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(fileA, content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			code, out := verifyRecordingCLI(t, data, fileA)
			t.Logf("recording verify after tampering: exit %d\n%s", code, out)
			if code == 0 || strings.Contains(out, "OK:") || !strings.Contains(out, tt.problem) {
				t.Errorf("exit %d, output:\n%s\nwant non-zero, no OK, and %q", code, out, tt.problem)
			}
		})
	}
}

// TestOversizedLoginNameIsBoundedInTheAudit: a 900 KiB name at the sign-in
// form is refused, and the audit entry names it by length and hash instead
// of storing it.
func TestOversizedLoginNameIsBoundedInTheAudit(t *testing.T) {
	g := startGateway(t)
	huge := strings.Repeat("m", 900<<10)
	if code, body := g.req("POST", "/api/v1/login", "", map[string]string{"username": huge, "password": "x"}); code != 401 {
		t.Fatalf("login with a 900 KiB name: got %d (%s), want 401", code, body)
	}
	admin := g.login("admin", adminPassword)
	var entries []struct{ Actor, Action string }
	g.must(200, "GET", "/api/v1/audit?action=login.fail", admin, nil, &entries)
	if len(entries) != 1 {
		t.Fatalf("login.fail entries: got %d, want 1", len(entries))
	}
	if got := entries[0].Actor; len(got) > 64 || !strings.HasPrefix(got, "(oversized name: 921600 bytes, sha256 ") {
		t.Errorf("actor of the failed login: got %d bytes %.80q, want the bounded marker", len(got), got)
	}
	var n int
	if err := openDB(t, g).QueryRow(`SELECT max(length(actor)) FROM audit`).Scan(&n); err != nil || n > 64 {
		t.Errorf("longest actor in the database: %d bytes (%v), want at most 64", n, err)
	}
}

// TestCreateUserRefusesReservedNames: a user named like a system actor
// (gateway, client, cli, ...) would make the audit log lie.
func TestCreateUserRefusesReservedNames(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	for _, name := range []string{"gateway", "client", "cli", "system", " CLI ", "Gateway"} {
		code, body := g.req("POST", "/api/v1/users", admin, map[string]string{"name": name, "role": "technician", "password": "a long enough password"})
		if code != 400 || !strings.Contains(string(body), "reserved") {
			t.Errorf("create user %q: got %d %s, want 400 naming the name reserved", name, code, body)
		}
	}
	var users []struct{ Name string }
	g.must(200, "GET", "/api/v1/users", admin, nil, &users)
	for _, u := range users {
		if u.Name != "admin" {
			t.Errorf("users after the refusals: found %q, want only admin", u.Name)
		}
	}
	g.must(201, "POST", "/api/v1/users", admin, map[string]string{"name": "gateway-ops", "role": "technician", "password": "a long enough password"}, nil)
}

// appendForgedSeal appends to the database at path, through the real audit
// logger (so the chain still verifies), a recording.seal entry for recording
// a that carries recording b's seal.
func appendForgedSeal(t *testing.T, path, a, b string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, err := st.ListAudit(ctx, store.AuditFilter{Action: audit.ActionRecordingSeal})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		var d map[string]any
		if json.Unmarshal(e.Details, &d) != nil || d["recording_id"] != b {
			continue
		}
		d["recording_id"] = a
		al, err := audit.New(audit.Config{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		if err := al.Record(ctx, audit.Event{Actor: "gateway", Action: audit.ActionRecordingSeal, TicketID: e.TicketID, SessionID: e.SessionID, Details: d}); err != nil {
			t.Fatal(err)
		}
		if res, err := audit.Verify(ctx, audit.FromStore(ctx, st)); err != nil || !res.OK {
			t.Fatalf("chain after the forged append: %+v, %v; want it to verify", res, err)
		}
		return
	}
	t.Fatalf("no seal entry for %s", b)
}
