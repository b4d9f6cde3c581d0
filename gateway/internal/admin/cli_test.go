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
