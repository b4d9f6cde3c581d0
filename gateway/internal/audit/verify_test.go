package audit

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// tamper runs statements straight against the database file, as an
// attacker with write access to the file would.
func tamper(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("tamper %q: %v", q, err)
		}
	}
}

func TestVerifyIntactChain(t *testing.T) {
	ctx := context.Background()
	st, _ := buildChain(t, 10)
	res, err := Verify(ctx, FromStore(ctx, st))
	if err != nil {
		t.Fatal(err)
	}
	last, err := st.ListAudit(ctx, store.AuditFilter{AfterSeq: 9})
	if err != nil || len(last) != 1 {
		t.Fatalf("ListAudit: %v, %v", last, err)
	}
	want := Result{Entries: 10, OK: true, Head: last[0].Hash}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("Verify (-want +got):\n%s", diff)
	}
}

func TestVerifyEmpty(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	res, err := Verify(ctx, FromStore(ctx, st))
	if err != nil || res != (Result{OK: true}) {
		t.Errorf("Verify(empty) = %+v, %v; want OK with 0 entries", res, err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name     string
		stmts    []string
		entries  int64
		firstBad int64
		reason   string
	}{
		{"edit details", []string{`UPDATE audit SET details = '{"i":5,"note":"nothing to see"}' WHERE seq = 5`}, 10, 5, "altered"},
		{"reformat details only", []string{`UPDATE audit SET details = ' { "note" : "''; DROP TABLE audit; --", "i" : 5 } ' WHERE seq = 5`}, 10, 0, ""},
		{"break details JSON", []string{`UPDATE audit SET details = '{"i":' WHERE seq = 6`}, 10, 6, "altered"},
		{"edit actor", []string{`UPDATE audit SET actor = 'mallory' WHERE seq = 3`}, 10, 3, "altered"},
		{"edit time", []string{`UPDATE audit SET time = time + 1 WHERE seq = 8`}, 10, 8, "altered"},
		{"edit ticket", []string{`UPDATE audit SET ticket_id = 99 WHERE seq = 10`}, 10, 10, "altered"},
		{"edit hash", []string{`UPDATE audit SET hash = 'deadbeef' WHERE seq = 4`}, 10, 4, "altered"},
		{"edit prev_hash", []string{`UPDATE audit SET prev_hash = '' WHERE seq = 7`}, 10, 7, "does not link"},
		{"delete middle", []string{`DELETE FROM audit WHERE seq = 4`}, 9, 4, "missing"},
		{"delete first", []string{`DELETE FROM audit WHERE seq = 1`}, 9, 1, "missing"},
		{"delete and renumber", []string{
			`DELETE FROM audit WHERE seq = 4`,
			`UPDATE audit SET seq = seq - 1 WHERE seq > 4`,
		}, 9, 4, "does not link"},
		{"swap seqs", []string{
			`UPDATE audit SET seq = -1 WHERE seq = 3`,
			`UPDATE audit SET seq = 3 WHERE seq = 4`,
			`UPDATE audit SET seq = 4 WHERE seq = -1`,
		}, 10, 3, "does not link"},
		{"swap contents", []string{
			`UPDATE audit SET seq = -1 WHERE seq = 6`,
			`UPDATE audit SET seq = 6 WHERE seq = 7`,
			`UPDATE audit SET seq = 7 WHERE seq = -1`,
			`UPDATE audit SET prev_hash = (SELECT hash FROM audit WHERE seq = 5) WHERE seq = 6`,
		}, 10, 6, "altered"},
		{"insert forged", []string{
			`UPDATE audit SET seq = seq + 1000 WHERE seq >= 9`,
			`UPDATE audit SET seq = seq - 999 WHERE seq >= 1000`,
			`INSERT INTO audit (seq, time, actor, action, details, prev_hash, hash)
			 SELECT 9, time, 'mallory', 'login.ok', '{}', hash, 'forged' FROM audit WHERE seq = 8`,
		}, 11, 9, "altered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, path := buildChain(t, 10)
			tamper(t, path, tt.stmts...)
			res, err := Verify(ctx, FromStore(ctx, st))
			if err != nil {
				t.Fatal(err)
			}
			if res.Entries != tt.entries || res.FirstBad != tt.firstBad || res.OK != (tt.firstBad == 0) {
				t.Errorf("Verify = %+v, want entries %d, first bad %d", res, tt.entries, tt.firstBad)
			}
			if !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to mention %q", res.Reason, tt.reason)
			}
		})
	}
}

func TestVerifySourceErrors(t *testing.T) {
	boom := errors.New("read failed")
	if _, err := Verify(context.Background(), func(func(store.AuditEntry) error) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
	st, _ := buildChain(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Verify(ctx, FromStore(context.Background(), st)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v, want context.Canceled", err)
	}
}

func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, path := buildChain(t, 7)
	var buf bytes.Buffer
	if err := Export(ctx, FromStore(ctx, st), &buf); err != nil {
		t.Fatal(err)
	}
	var lines []store.AuditEntry
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var e store.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, e)
	}
	if len(lines) != 7 {
		t.Fatalf("exported %d lines, want 7", len(lines))
	}
	fromLines := func(fn func(store.AuditEntry) error) error {
		for _, e := range lines {
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	}
	res, err := Verify(ctx, fromLines)
	if err != nil || !res.OK || res.Entries != 7 {
		t.Errorf("Verify(export) = %+v, %v; want OK with 7 entries", res, err)
	}

	// A broken row still exports, as a JSON string, and still fails Verify.
	tamper(t, path, `UPDATE audit SET details = '{"i":' WHERE seq = 2`)
	buf.Reset()
	if err := Export(ctx, FromStore(ctx, st), &buf); err != nil {
		t.Fatalf("Export of tampered log: %v", err)
	}
	if !strings.Contains(buf.String(), `"details":"{\"i\":"`) {
		t.Errorf("tampered details not exported as a string:\n%s", buf.String())
	}
}
