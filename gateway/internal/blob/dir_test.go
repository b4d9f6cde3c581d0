package blob_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/blob/blobtest"
)

// TestDirConformance runs the blob.Store contract against Dir; reopen is a
// second Dir on the same directory, as after a restart.
func TestDirConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) (blob.Store, func(*testing.T) blob.Store) {
		path := filepath.Join(t.TempDir(), "blobs")
		return openDir(t, path), func(t *testing.T) blob.Store { return openDir(t, path) }
	})
}

func openDir(t *testing.T, path string) *blob.Dir {
	t.Helper()
	d, err := blob.NewDir(path)
	if err != nil {
		t.Fatalf("NewDir: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

const (
	crashEnv    = "TETHER_BLOB_CRASH_DIR"
	crashKey    = "12/r_kill9.cast"
	crashSynced = "synced line\n"
	crashCached = "written, not synced\n"
)

// TestDirKill9 is the crash the gateway must survive: a process writes a
// blob, syncs part of it, writes more and is killed. The next Dir on the
// directory lists the blob as incomplete and Recover keeps all of it (a
// killed process's writes are in the page cache; only a power cut would
// lose the unsynced tail).
func TestDirKill9(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashHelper(dir)
		return
	}
	path := filepath.Join(t.TempDir(), "blobs")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDirKill9$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Success() {
		t.Fatalf("helper = %v (output %q), want it killed", err, out)
	}
	d := openDir(t, path)
	keys, err := d.Incomplete(t.Context())
	if err != nil || !slices.Equal(keys, []string{crashKey}) {
		t.Fatalf("Incomplete after the kill = %q, %v; want [%s]", keys, err, crashKey)
	}
	info, err := d.Recover(t.Context(), crashKey)
	want := []byte(crashSynced + crashCached)
	if err != nil || info.Size != int64(len(want)) || info.SHA256 != sha256.Sum256(want) {
		t.Fatalf("Recover = %+v, %v; want the %d bytes written", info, err, len(want))
	}
	if keys, _ := d.Incomplete(t.Context()); len(keys) != 0 {
		t.Errorf("Incomplete after Recover = %q, want none", keys)
	}
}

// crashHelper runs in the child process: write, sync, write, die.
func crashHelper(path string) {
	ctx := context.Background()
	d, err := blob.NewDir(path)
	if err != nil {
		os.Exit(3)
	}
	w, err := d.Create(ctx, crashKey)
	if err != nil {
		os.Exit(4)
	}
	if _, err := io.WriteString(w, crashSynced); err != nil || w.Sync() != nil {
		os.Exit(5)
	}
	if _, err := io.WriteString(w, crashCached); err != nil {
		os.Exit(6)
	}
	self, err := os.FindProcess(os.Getpid())
	if err == nil {
		err = self.Kill()
	}
	if err != nil {
		os.Exit(7)
	}
	select {} // the kill lands
}

// A crash between Create's two steps leaves a marker without a file: it is
// listed, and Recover drops it with fs.ErrNotExist.
func TestDirMarkerWithoutFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blobs")
	d := openDir(t, path)
	w, err := d.Create(t.Context(), "4/r_half.cast")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(path, "4", "r_half.cast")); err != nil {
		t.Fatal(err)
	}
	_ = w // abandoned, as by a crash
	d = openDir(t, path)
	if keys, _ := d.Incomplete(t.Context()); !slices.Equal(keys, []string{"4/r_half.cast"}) {
		t.Fatalf("Incomplete = %q, want [4/r_half.cast]", keys)
	}
	if _, err := d.Recover(t.Context(), "4/r_half.cast"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Recover = %v, want fs.ErrNotExist", err)
	}
	if keys, _ := d.Incomplete(t.Context()); len(keys) != 0 {
		t.Errorf("Incomplete after Recover = %q, want none", keys)
	}
}

// Recordings written before Dir kept markers have none: Recover still
// hashes them, which is what crash recovery of an older data directory
// needs. Stray names in the marker directory are not keys and are skipped.
func TestDirRecoverWithoutMarker(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blobs")
	if err := os.MkdirAll(filepath.Join(path, "3", ""), 0o700); err != nil {
		t.Fatal(err)
	}
	data := []byte("{\"version\":2}\n")
	if err := os.WriteFile(filepath.Join(path, "3", "r_old.cast"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, ".incomplete", "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{"UPPER", "a+..+b", ".x"} {
		if err := os.WriteFile(filepath.Join(path, ".incomplete", junk), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d := openDir(t, path)
	if keys, err := d.Incomplete(t.Context()); err != nil || len(keys) != 0 {
		t.Errorf("Incomplete = %q, %v; want none", keys, err)
	}
	info, err := d.Recover(t.Context(), "3/r_old.cast")
	if err != nil || info.Size != int64(len(data)) || info.SHA256 != sha256.Sum256(data) {
		t.Errorf("Recover = %+v, %v; want the file's size and hash", info, err)
	}
}

// The marker directory is not reachable as a key.
func TestDirMarkersAreNotKeys(t *testing.T) {
	d := openDir(t, filepath.Join(t.TempDir(), "blobs"))
	if _, err := d.Create(t.Context(), "1/r_x.cast"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{".incomplete/1+r_x.cast", ".incomplete"} {
		if _, _, err := d.Open(t.Context(), k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Open(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}
