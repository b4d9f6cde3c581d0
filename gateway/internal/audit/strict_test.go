package audit

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// TestVerifyRefusesDuplicateKeys edits a row of a real SQLite file the way
// an attacker would: a second "note" key that SQLite's json_extract and Go's
// decoder resolve differently. The chain must break at that row.
func TestVerifyRefusesDuplicateKeys(t *testing.T) {
	const orig = `''; DROP TABLE audit; --`
	tests := []struct {
		name    string
		details string // SQL string literal body
	}{
		{"forged key first", `{"note":"mallory","i":5,"note":"` + orig + `"}`},
		{"forged key last", `{"i":5,"note":"` + orig + `","note":"mallory"}`},
		{"nested", `{"i":5,"note":"` + orig + `","x":{"a":1,"a":2}}`},
		{"in array", `{"i":5,"note":"` + orig + `","x":[{"a":1,"a":1}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, path := buildChain(t, 10)
			tamper(t, path, `UPDATE audit SET details = '`+tt.details+`' WHERE seq = 5`)
			res, err := Verify(ctx, FromStore(ctx, st))
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.FirstBad != 5 {
				t.Errorf("Verify = %+v, want broken at 5", res)
			}
			if !strings.Contains(res.Reason, "twice") {
				t.Errorf("Reason = %q, want it to name the duplicate key", res.Reason)
			}
		})
	}
}

// TestDuplicateKeyAttackIsReal shows why the check exists: SQLite reads the
// forged value while the chain, before the fix, still verified.
func TestDuplicateKeyAttackIsReal(t *testing.T) {
	_, path := buildChain(t, 3)
	tamper(t, path, `UPDATE audit SET details = '{"note":"mallory","i":2,"note":"''; DROP TABLE audit; --"}' WHERE seq = 2`)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	if err := db.QueryRow(`SELECT json_extract(details, '$.note') FROM audit WHERE seq = 2`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "mallory" {
		t.Errorf("json_extract of a duplicated key = %q, want the first value \"mallory\"", got)
	}
}

func TestCheckDetails(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
	}{
		{`{}`, false},
		{``, false},
		{`{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}`, false},
		{`{"a":{"b":1},"b":2}`, false},
		{`[1,"a","a",{"a":1}]`, false},
		{`{"a":"a","b":"a"}`, false},
		{`{"a":`, false}, // broken JSON is the hash's business
		{`{"a":1,"a":1}`, true},
		{`{"a":1,"\u0061":2}`, true},
		{`{"x":{"y":[1,{"k":1,"k":2}]}}`, true},
		{"{\"a\":\"\xff\"}", true},
		{`{"a":"\ud83d\ude00"}`, false},             // a whole pair
		{`{"a":"\uFFFD \u00e9 \n \\ud800"}`, false}, // a real U+FFFD; an escaped backslash
		{`{"a":"\ud800"}`, true},
		{`{"a":"\uDC00x"}`, true},
		{`{"a":"\ud83dx\ude00"}`, true},
		{`{"\ud800":1}`, true},
	}
	for _, tt := range tests {
		err := checkDetails([]byte(tt.in))
		if got := err != nil; got != tt.wantErr {
			t.Errorf("checkDetails(%q) = %v, want error %v", tt.in, err, tt.wantErr)
		}
	}
}

func TestDuplicateKeysChangeTheCanonicalEncoding(t *testing.T) {
	a, b := sample, sample
	a.Details = []byte(`{"user":"bob"}`)
	b.Details = []byte(`{"user":"mallory","user":"bob"}`)
	if string(Canonical(a)) == string(Canonical(b)) {
		t.Errorf("duplicate key hidden by the canonical encoding:\n%s", Canonical(b))
	}
}

func TestQuoteBounded(t *testing.T) {
	long := strings.Repeat("k", 900)
	tests := []struct{ in, want string }{
		{"user", `"user"`},
		{"\x1b[2Jx", `"\x1b[2Jx"`},
		{long, `"` + strings.Repeat("k", maxKeyShown) + `"… (900 bytes)`},
	}
	for _, tt := range tests {
		if got := quoteBounded(tt.in); got != tt.want {
			t.Errorf("quoteBounded(%.20q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
