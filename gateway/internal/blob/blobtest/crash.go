package blobtest

// What a crash leaves: incomplete blobs and their recovery.

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/blob"
)

// checkPrefix checks what Open gives for a blob being written: nothing
// (fs.ErrNotExist), or a prefix of written at least synced bytes long.
func checkPrefix(t *testing.T, s blob.Store, key string, written []byte, synced int) {
	t.Helper()
	r, _, err := s.Open(t.Context(), key)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatalf("Open(%q) of a blob being written = %v, want its prefix or fs.ErrNotExist", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(written, b) || len(b) < synced {
		t.Errorf("Open(%q) of a blob being written reads %q, want a prefix of %q at least %d bytes long", key, b, written, synced)
	}
}

func testIncomplete(t *testing.T, f Factory) {
	s := newStore(t, f)
	wantIncomplete(t, s)
	wb, err := s.Create(t.Context(), "9/r_b.cast")
	if err != nil {
		t.Fatal(err)
	}
	wa, err := s.Create(t.Context(), "10/r_a.tsr")
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, "9/r_c.cast", []byte("c"))
	wd, err := s.Create(t.Context(), "9/r_d.cast")
	if err != nil {
		t.Fatal(err)
	}
	if err := wd.Abort(t.Context()); err != nil {
		t.Fatal(err)
	}
	io.WriteString(wb, "synced")
	wb.Sync()
	io.WriteString(wb, "+more")
	wantIncomplete(t, s, "10/r_a.tsr", "9/r_b.cast")
	checkPrefix(t, s, "9/r_b.cast", []byte("synced+more"), len("synced"))
	if err := wb.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantIncomplete(t, s, "10/r_a.tsr")
	if err := wa.Abort(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantIncomplete(t, s)
}

// testRecover is the crash: a blob written and synced, never committed,
// seen by the store that starts next.
func testRecover(t *testing.T, f Factory) {
	s, reopen := f(t)
	const key = "12/r_crash.cast"
	w, err := s.Create(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	const synced = `{"version":2}` + "\n" + `[0.1,"o","a"]` + "\n"
	io.WriteString(w, synced)
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	written := synced + `[0.2,"o","b"]` // not synced: may or may not survive
	io.WriteString(w, `[0.2,"o","b"]`)
	other, err := s.Create(t.Context(), "12/r_other.cast")
	if err != nil {
		t.Fatal(err)
	}
	other.Sync()
	put(t, s, "12/r_sealed.cast", []byte("sealed"))
	// The crash: w and other are abandoned, neither committed nor aborted.
	if reopen != nil {
		s = reopen(t)
	}
	wantIncomplete(t, s, "12/r_crash.cast", "12/r_other.cast")
	info, err := s.Recover(t.Context(), key)
	if err != nil {
		t.Fatalf("Recover: %v", err)
	}
	got := get(t, s, key)
	if !strings.HasPrefix(written, string(got)) || len(got) < len(synced) {
		t.Errorf("recovered content %q, want a prefix of %q holding at least the synced %q", got, written, synced)
	}
	if want := (blob.Info{Size: int64(len(got)), SHA256: sha256.Sum256(got)}); info != want {
		t.Errorf("Recover = %+v, want %+v (the recovered content's)", info, want)
	}
	wantIncomplete(t, s, "12/r_other.cast")
	again, err := s.Recover(t.Context(), key)
	if err != nil || again != info {
		t.Errorf("second Recover = %+v, %v; want %+v, nil", again, err, info)
	}
	if _, err := s.Create(t.Context(), key); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create of a recovered key = %v, want fs.ErrExist", err)
	}
	if info, err := s.Recover(t.Context(), "12/r_other.cast"); err != nil || info.Size != 0 || info.SHA256 != sha256.Sum256(nil) {
		t.Errorf("Recover of an empty crashed blob = %+v, %v; want size 0, the empty hash", info, err)
	}
	wantIncomplete(t, s)
	if got := get(t, s, "12/r_sealed.cast"); string(got) != "sealed" {
		t.Errorf("committed blob after the crash = %q, want %q", got, "sealed")
	}
}

func testRecoverCommitted(t *testing.T, f Factory) {
	s := newStore(t, f)
	data := []byte("committed long ago")
	put(t, s, "3/r_old.cast", data)
	info, err := s.Recover(t.Context(), "3/r_old.cast")
	want := blob.Info{Size: int64(len(data)), SHA256: sha256.Sum256(data)}
	if err != nil || info != want {
		t.Errorf("Recover of a committed blob = %+v, %v; want %+v, nil", info, err, want)
	}
	if got := get(t, s, "3/r_old.cast"); !bytes.Equal(got, data) {
		t.Errorf("content after Recover = %q, want %q", got, data)
	}
}
