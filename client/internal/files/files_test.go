package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func hexsum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func TestOpenCollectRefuses(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "app.log")
	os.WriteFile(ok, []byte("hello"), 0o600)
	link := filepath.Join(dir, "env.log")
	os.Symlink("/proc/self/environ", link)
	devLink := filepath.Join(dir, "zero.log")
	os.Symlink("/dev/zero", devLink)
	big := filepath.Join(dir, "big.log")
	os.WriteFile(big, make([]byte, 100), 0o600)
	for _, tc := range []struct {
		name string
		path string
		max  int64
	}{
		{"traversal", dir + "/../" + filepath.Base(dir) + "/app.log", 1 << 20},
		{"device", "/dev/zero", 1 << 20},
		{"kernel", "/proc/self/environ", 1 << 20},
		{"UNC", `\\server\share\app.log`, 1 << 20},
		{"relative", "app.log", 1 << 20},
		{"link into /proc", link, 1 << 20},
		{"link to a device", devLink, 1 << 20},
		{"folder", dir, 1 << 20},
		{"too large", big, 10},
		{"missing", filepath.Join(dir, "nope"), 1 << 20},
	} {
		if src, err := OpenCollect(tc.path, tc.max); err == nil {
			src.Close()
			t.Errorf("%s: OpenCollect(%q) opened %s", tc.name, tc.path, src.Path)
		}
	}
	src, err := OpenCollect(ok, 1<<20)
	if err != nil {
		t.Fatalf("OpenCollect(%s): %v", ok, err)
	}
	defer src.Close()
	if src.Size != 5 || src.Name != "app.log" {
		t.Errorf("got %+v", src)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":                "report.pdf",
		"../../etc/passwd":          "passwd",
		`C:\Windows\system32\x.dll`: "x.dll",
		"a\x1b[2Jb.txt":             "a[2Jb.txt",
		"\u202egpj.exe":             "gpj.exe",
		"CON":                       "_CON",
		"nul.txt":                   "_nul.txt",
		"what?.txt":                 "what.txt",
		"...":                       "file",
		" name. ":                   "name",
		strings.Repeat("é", 300):    strings.Repeat("é", 100),
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReceive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Downloads")
	data := []byte("some bytes")
	p, err := Receive(dir, "a.txt", int64(len(data)), hexsum(data), bytes.NewReader(data), nil)
	if err != nil || p != filepath.Join(dir, "a.txt") {
		t.Fatalf("Receive = %q, %v", p, err)
	}
	// A taken name gets " (1)"; a link in the way is never followed.
	target := filepath.Join(t.TempDir(), "target")
	os.WriteFile(target, []byte("keep"), 0o600)
	os.Symlink(target, filepath.Join(dir, "b.txt"))
	p, err = Receive(dir, "b.txt", int64(len(data)), hexsum(data), bytes.NewReader(data), nil)
	if err != nil || p != filepath.Join(dir, "b (1).txt") {
		t.Errorf("over a link: %q, %v; want b (1).txt", p, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target changed: %q", b)
	}
	// A wrong hash or a short stream leaves nothing behind.
	if _, err := Receive(dir, "c.txt", int64(len(data)), hexsum([]byte("other")), bytes.NewReader(data), nil); !errors.Is(err, ErrHash) {
		t.Errorf("wrong hash: %v, want ErrHash", err)
	}
	if _, err := Receive(dir, "d.txt", 100, hexsum(data), bytes.NewReader(data), nil); err == nil {
		t.Error("a short stream was kept")
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, ","); got != "a.txt,b (1).txt,b.txt" {
		t.Errorf("Downloads holds %s, want a.txt,b (1).txt,b.txt (no partial files)", got)
	}
}
