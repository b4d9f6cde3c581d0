package blob

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tetherhq/tether/internal/testenv"
)

func TestValidKey(t *testing.T) {
	good := []string{
		"a", "12/r_k3j9abcd.cast", "recordings/12/r_x.cast", "a-b_c/d.e.f", "x/y/z", "0/.hidden",
		strings.Repeat("a", MaxKeyLen),
	}
	for _, k := range good {
		if err := ValidKey(k); err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", k, err)
		}
	}
	bad := []string{
		"", "..", ".", "../x", "a/../../x", "a/..", "a/../b", "a/./b", "a/.", "a/...", "/abs", "/etc/passwd",
		"a//b", "a/", `a\b`, `..\x`, `a\..\..\x`, "a\x00b", "a/b\x00", "C:/x", "c:x", "A", "a/B.cast",
		"a b", "a/b c", ".x", "a/\u2024\u2024/x", "a/\uff0e\uff0e/x", "\u2025", "a/%2e%2e/x", "a/\u00e9",
		"a\n", "~", "a/~", strings.Repeat("a", MaxKeyLen+1), "a/\xff",
	}
	for _, k := range bad {
		err := ValidKey(k)
		if err == nil {
			t.Errorf("ValidKey(%q) = nil, want error", k)
			continue
		}
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

func newDir(t *testing.T) *Dir {
	t.Helper()
	d, err := NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatalf("NewDir: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestDirRoundTrip(t *testing.T) {
	d := newDir(t)
	fi, err := os.Stat(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("root mode = %o, want 700", got)
	}
	const key = "12/r_abc.cast"
	w, err := d.Create(t.Context(), key)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := io.WriteString(w, "hello"); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{
		filepath.Join(d.Path(), "12"):               0o700,
		filepath.Join(d.Path(), "12", "r_abc.cast"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", path, got, want)
		}
	}
	size, err := d.Stat(t.Context(), key)
	if err != nil || size != 5 {
		t.Errorf("Stat = %d, %v; want 5, nil", size, err)
	}
	r, size, err := d.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	if size != 5 {
		t.Errorf("Open size = %d, want 5", size)
	}
	if _, err := r.Seek(1, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "ello" {
		t.Errorf("read after seek = %q, %v; want %q", b, err, "ello")
	}
}

func TestDirCreateExisting(t *testing.T) {
	d := newDir(t)
	w, err := d.Create(t.Context(), "a/b.cast")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "first")
	w.Commit(t.Context())
	if _, err := d.Create(t.Context(), "a/b.cast"); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second Create = %v, want fs.ErrExist", err)
	}
	if size, _ := d.Stat(t.Context(), "a/b.cast"); size != 5 {
		t.Errorf("size after failed Create = %d, want 5 (content kept)", size)
	}
}

func TestDirMissing(t *testing.T) {
	d := newDir(t)
	if _, _, err := d.Open(t.Context(), "nope/x.cast"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open missing = %v, want fs.ErrNotExist", err)
	}
	if _, err := d.Stat(t.Context(), "nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat missing = %v, want fs.ErrNotExist", err)
	}
	w, err := d.Create(t.Context(), "dir/x")
	if err != nil {
		t.Fatal(err)
	}
	w.Commit(t.Context())
	if _, _, err := d.Open(t.Context(), "dir"); err == nil {
		t.Error("Open of a directory succeeded, want error")
	}
	if _, err := d.Stat(t.Context(), "dir"); err == nil {
		t.Error("Stat of a directory succeeded, want error")
	}
}

func TestDirRejectsTraversal(t *testing.T) {
	parent := t.TempDir()
	d, err := NewDir(filepath.Join(parent, "root"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := os.WriteFile(filepath.Join(parent, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := []string{"../secret", "a/../../secret", "/" + filepath.ToSlash(filepath.Join(parent, "secret")),
		`..\secret`, `a\..\..\secret`, "a\x00", "\u2024\u2024/secret", "\uff0e\uff0e/secret", "a/../secret", ""}
	for _, k := range keys {
		if _, err := d.Create(t.Context(), k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Create(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := d.Open(t.Context(), k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Open(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, err := d.Stat(t.Context(), k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Stat(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 2 {
		t.Errorf("parent holds %d entries, want 2 (root, secret)", len(entries))
	}
}

// A symlink inside the root that points outside must not be followed.
func TestDirSymlinkEscape(t *testing.T) {
	parent := t.TempDir()
	d, err := NewDir(filepath.Join(parent, "root"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	outside := filepath.Join(parent, "outside")
	if err := os.Mkdir(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "x"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(d.Path(), "link")); err != nil {
		testenv.SkipOrFail(t, "symlink: "+err.Error())
	}
	if _, err := d.Create(t.Context(), "link/new"); err == nil {
		t.Error("Create through an escaping symlink succeeded")
	}
	if _, _, err := d.Open(t.Context(), "link/x"); err == nil {
		t.Error("Open through an escaping symlink succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); err == nil {
		t.Error("a file was created outside the root")
	}
}

func FuzzValidKey(f *testing.F) {
	for _, s := range []string{"a", "12/r_x.cast", "../x", "a/../../x", "/abs", `a\b`, "a\x00", "a/...", "\uff0e\uff0e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if ValidKey(key) != nil {
			return
		}
		if !utf8.ValidString(key) || strings.Contains(key, "..") || strings.HasPrefix(key, "/") ||
			strings.ContainsAny(key, "\\\x00:") || len(key) > MaxKeyLen {
			t.Fatalf("ValidKey accepted %q", key)
		}
		if !filepath.IsLocal(key) || filepath.Clean(key) != key {
			t.Fatalf("ValidKey accepted non-local or unclean %q", key)
		}
	})
}
