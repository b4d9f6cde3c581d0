package admin

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/server"
)

// realDataDir runs a real gateway on loopback, signs in a few times (so the
// audit chain has entries written by the real code path) and stops it.
func realDataDir(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, server.Config{DataDir: data, Listen: "127.0.0.1:0", AdminPassword: "correct horse battery staple", Out: io.Discard})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: certs.PinnedClientConfig(srv.Fingerprint(), srv.URL().Hostname())}, Timeout: 10 * time.Second}
	for _, pw := range []string{"wrong", "correct horse battery staple", "wrong again", "correct horse battery staple"} {
		resp, err := hc.Post(srv.URL().String()+"/api/v1/login", "application/json", strings.NewReader(`{"username":"admin","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return data
}

// run is tether-gateway's dispatch for the operator commands: the first two
// words name the command.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		return 2
	}
	code, ok := Command(args[0]+" "+args[1], args[2:], stdin, stdout, stderr)
	if !ok {
		return 2
	}
	return code
}

func runCLI(args ...string) (int, string) {
	var out bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &out)
	return code, out.String()
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "data")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestAuditVerifyNamesTheTamperedRow(t *testing.T) {
	data := realDataDir(t)
	code, out := runCLI("audit", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "audit chain OK") || !strings.Contains(out, "head hash ") {
		t.Fatalf("untouched data dir: exit %d\n%s", code, out)
	}
	cases := []struct {
		name, sql, want string
	}{
		{"edit a row", `UPDATE audit SET actor = 'mallory' WHERE seq = 3`, "seq 3"},
		{"edit details", `UPDATE audit SET details = '{"reason":"nothing to see"}' WHERE seq = 2`, "seq 2"},
		// A key written twice: SQLite's json_extract reads the first, Go the last.
		{"duplicate a details key", `UPDATE audit SET details = '{"reason":"nothing to see",' || substr(details, 2) WHERE seq = 2`, "seq 2"},
		{"delete a row", `DELETE FROM audit WHERE seq = 3`, "seq 3"},
		{"reorder two rows", `UPDATE audit SET seq = -seq WHERE seq IN (2, 3); UPDATE audit SET seq = CASE seq WHEN -2 THEN 3 WHEN -3 THEN 2 END WHERE seq < 0`, "seq 2"},
		{"rewrite a hash", `UPDATE audit SET hash = 'ff' || substr(hash, 3) WHERE seq = 4`, "seq 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, data)
			db, err := sql.Open("sqlite", filepath.Join(dir, "tether.db"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(c.sql); err != nil {
				t.Fatalf("tamper: %v", err)
			}
			db.Close()
			code, out := runCLI("audit", "verify", "--data", dir)
			if code == 0 || !strings.Contains(out, "BROKEN at "+c.want) {
				t.Errorf("exit %d, output:\n%s\nwant non-zero and %q", code, out, "BROKEN at "+c.want)
			}
		})
	}
	code, out = runCLI("audit", "verify", "--data", filepath.Join(t.TempDir(), "nope"))
	if code == 0 {
		t.Errorf("missing data dir: exit 0\n%s", out)
	}
}

func TestRecordingVerifyCLI(t *testing.T) {
	data := realDataDir(t)
	key, err := auth.LoadOrCreateKey(filepath.Join(data, "keys", "signing.pem"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "r_test.cast")
	content := []byte("{\"version\":2,\"width\":80,\"height\":24}\n[0.1,\"o\",\"hello\"]\n")
	os.WriteFile(file, content, 0o600)
	sum := sha256.Sum256(content)
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, sum[:]))
	args := func(f string) []string {
		return []string{"recording", "verify", "--pubkey", filepath.Join(data, "keys", "signing.pub"), "--sha256", hex.EncodeToString(sum[:]), "--signature", sig, f}
	}
	if code, out := runCLI(args(file)...); code != 0 || !strings.Contains(out, "OK: intact") {
		t.Fatalf("untouched: exit %d\n%s", code, out)
	}
	for _, at := range []int{0, 20, len(content) - 2} {
		b := bytes.Clone(content)
		b[at] ^= 1
		f := filepath.Join(t.TempDir(), "r_test.cast")
		os.WriteFile(f, b, 0o600)
		if code, out := runCLI(args(f)...); code == 0 || !strings.Contains(out, "NOT INTACT") {
			t.Errorf("byte %d flipped: exit %d\n%s", at, code, out)
		}
	}
	_, other, _ := ed25519.GenerateKey(nil)
	forged := args(file)
	forged[7] = base64.StdEncoding.EncodeToString(ed25519.Sign(other, sum[:]))
	if code, out := runCLI(forged...); code == 0 || strings.Contains(out, "OK:") {
		t.Errorf("seal signed by another key: exit %d\n%s", code, out)
	}
}

func TestUserAddRefusesReservedNames(t *testing.T) {
	data := t.TempDir()
	pw := "a long enough password\n"
	tests := []struct {
		name     string
		wantCode int
		want     string
	}{
		{"gateway", 1, "reserved"},
		{"client", 1, "reserved"},
		{"cli", 1, "reserved"},
		{"System", 1, "reserved"}, // names are lowercased first
		{" root ", 1, "reserved"},
		{"admin", 0, "created admin"}, // the bootstrap user's name stays allowed
		{"gateway2", 0, "created gateway2"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code := run([]string{"user", "add", "--data", data, "--name", tt.name, "--role", "technician"}, strings.NewReader(pw), &out, &out)
		if code != tt.wantCode || !strings.Contains(out.String(), tt.want) {
			t.Errorf("user add --name %q: exit %d, output %q; want exit %d and %q", tt.name, code, out.String(), tt.wantCode, tt.want)
		}
	}
}

func TestUserListAndResetPassword(t *testing.T) {
	data := realDataDir(t) // admin signed in twice
	if code, out := runWithStdin("a long enough password\n", "user", "add", "--data", data, "--name", "tina", "--role", "technician"); code != 0 {
		t.Fatalf("user add: exit %d\n%s", code, out)
	}
	code, out := runCLI("user", "list", "--data", data)
	if code != 0 {
		t.Fatalf("user list: exit %d\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "LAST LOGIN") {
		t.Fatalf("user list: want a header and two users, got\n%s", out)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		switch f[0] {
		case "admin":
			if f[1] != "admin" || f[2] != "no" || f[3] != "off" || f[4] == "never" {
				t.Errorf("admin row %q: want admin, not disabled, MFA off, a last login", l)
			}
		case "tina":
			if f[1] != "technician" || f[4] != "never" {
				t.Errorf("tina row %q: want technician who never signed in", l)
			}
		default:
			t.Errorf("unexpected row %q", l)
		}
	}

	before := tokenVersion(t, data, "tina")
	cases := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		want     string
	}{
		{"no name", "", []string{"--data", data, "--generate"}, 2, "give one user NAME"},
		{"unknown user", "", []string{"nobody", "--data", data, "--generate"}, 1, `no user named "nobody"`},
		{"short password on stdin", "short\n", []string{"tina", "--data", data}, 1, "at least 8"},
		{"nothing on stdin", "", []string{"tina", "--data", data}, 2, "no password on stdin"},
	}
	for _, c := range cases {
		code, out := runWithStdin(c.stdin, append([]string{"user", "reset-password"}, c.args...)...)
		if code != c.wantCode || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d %q, want exit %d and %q", c.name, code, out, c.wantCode, c.want)
		}
	}
	if v := tokenVersion(t, data, "tina"); v != before {
		t.Fatalf("refused resets changed tina's token version %d -> %d", before, v)
	}

	code, out = runCLI("user", "reset-password", "tina", "--data", data, "--generate")
	if code != 0 || !strings.Contains(out, "shown only this once") || !strings.Contains(out, "every sign-in of tina has ended") {
		t.Fatalf("reset --generate: exit %d\n%s", code, out)
	}
	pw := ""
	for _, l := range strings.Split(out, "\n") {
		if s := strings.TrimSpace(l); len(s) == 23 && strings.Count(s, "-") == 3 {
			pw = s
		}
	}
	if pw == "" {
		t.Fatalf("no generated password in\n%s", out)
	}
	if !checkPassword(t, data, "tina", pw) || checkPassword(t, data, "tina", "a long enough password") {
		t.Errorf("after reset: the generated password must work and the old one not")
	}
	if v := tokenVersion(t, data, "tina"); v <= before {
		t.Errorf("token version %d -> %d: tina's tokens did not end", before, v)
	}

	if code, out := runWithStdin("another long password\n", "user", "reset-password", "--data", data, "--password-stdin", "tina"); code != 0 {
		t.Fatalf("reset from stdin: exit %d\n%s", code, out)
	}
	if !checkPassword(t, data, "tina", "another long password") {
		t.Errorf("the password from stdin does not work")
	}

	var exp bytes.Buffer
	if err := ExportAudit(context.Background(), data, &exp); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(exp.String(), `"action":"user.password.reset"`); n != 2 {
		t.Errorf("audit holds %d user.password.reset entries, want 2 (one per reset)", n)
	}
}

func runWithStdin(stdin string, args ...string) (int, string) {
	var out bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &out)
	return code, out.String()
}

func openDB(t *testing.T, data string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", DBPath(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func tokenVersion(t *testing.T, data, name string) int64 {
	t.Helper()
	var v int64
	if err := openDB(t, data).QueryRow(`SELECT token_version FROM users WHERE name = ?`, name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func checkPassword(t *testing.T, data, name, pw string) bool {
	t.Helper()
	var hash string
	if err := openDB(t, data).QueryRow(`SELECT password_hash FROM users WHERE name = ?`, name).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	return auth.CheckPassword(hash, pw)
}
