package blobtest

// Writing, reading and discarding blobs.

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/blob"
)

func testRoundTrip(t *testing.T, f Factory) {
	s := newStore(t, f)
	for _, key := range []string{"12/r_abc.cast", "single", "a/b/c/d.tsr"} {
		w, err := s.Create(t.Context(), key)
		if err != nil {
			t.Fatalf("Create(%q): %v", key, err)
		}
		if _, err := io.WriteString(w, "hello"); err != nil {
			t.Fatal(err)
		}
		if err := w.Sync(); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		if _, err := io.WriteString(w, ", world"); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(t.Context()); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if got := get(t, s, key); string(got) != "hello, world" {
			t.Errorf("content of %q = %q, want %q", key, got, "hello, world")
		}
	}
	r, _, err := s.Open(t.Context(), "12/r_abc.cast")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Seek(7, io.SeekStart); err != nil {
		t.Fatalf("Seek: %v", err)
	}
	if b, err := io.ReadAll(r); err != nil || string(b) != "world" {
		t.Errorf("read after Seek(7) = %q, %v; want %q", b, err, "world")
	}
	wantIncomplete(t, s)
}

func testCreateExisting(t *testing.T, f Factory) {
	s := newStore(t, f)
	put(t, s, "a/b.cast", []byte("first"))
	if _, err := s.Create(t.Context(), "a/b.cast"); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create of a committed key = %v, want fs.ErrExist", err)
	}
	if got := get(t, s, "a/b.cast"); string(got) != "first" {
		t.Errorf("content after the failed Create = %q, want %q (kept)", got, "first")
	}
	w, err := s.Create(t.Context(), "a/c.cast")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), "a/c.cast"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create of a key being written = %v, want fs.ErrExist", err)
	}
	io.WriteString(w, "mine")
	if err := w.Commit(t.Context()); err != nil {
		t.Fatalf("Commit of the first writer after a refused second Create: %v", err)
	}
	if got := get(t, s, "a/c.cast"); string(got) != "mine" {
		t.Errorf("content = %q, want %q", got, "mine")
	}
}

func testMissing(t *testing.T, f Factory) {
	s := newStore(t, f)
	wantNotExist(t, s, "nope/x.cast")
	if _, err := s.Recover(t.Context(), "nope/x.cast"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Recover of a missing key = %v, want fs.ErrNotExist", err)
	}
	put(t, s, "dir/x", nil)
	if got := get(t, s, "dir/x"); len(got) != 0 {
		t.Errorf("empty blob reads %q", got)
	}
	// "dir" is a prefix of a key, not a blob.
	if _, _, err := s.Open(t.Context(), "dir"); err == nil {
		t.Error("Open of a key's parent succeeded, want an error")
	}
	if _, err := s.Stat(t.Context(), "dir"); err == nil {
		t.Error("Stat of a key's parent succeeded, want an error")
	}
}

func testAbort(t *testing.T, f Factory) {
	s := newStore(t, f)
	const key = "7/r_gone.cast"
	w, err := s.Create(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "discard me")
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(t.Context()); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	wantNotExist(t, s, key)
	wantIncomplete(t, s)
	if _, err := w.Write([]byte("x")); !errors.Is(err, blob.ErrClosed) {
		t.Errorf("Write after Abort = %v, want ErrClosed", err)
	}
	if err := w.Sync(); !errors.Is(err, blob.ErrClosed) {
		t.Errorf("Sync after Abort = %v, want ErrClosed", err)
	}
	if err := w.Commit(t.Context()); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if err := w.Abort(t.Context()); err != nil {
		t.Errorf("second Abort = %v, want nil", err)
	}
	wantNotExist(t, s, key)
	// The key is free again.
	put(t, s, key, []byte("again"))
	if got := get(t, s, key); string(got) != "again" {
		t.Errorf("content = %q, want %q", got, "again")
	}
}

func testAfterCommit(t *testing.T, f Factory) {
	s := newStore(t, f)
	const key = "1/r_done.cast"
	w, err := s.Create(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "done")
	if err := w.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, blob.ErrClosed) {
		t.Errorf("Write after Commit = %v, want ErrClosed", err)
	}
	if err := w.Sync(); !errors.Is(err, blob.ErrClosed) {
		t.Errorf("Sync after Commit = %v, want ErrClosed", err)
	}
	if err := w.Commit(t.Context()); err != nil {
		t.Errorf("second Commit = %v, want nil", err)
	}
	if err := w.Abort(t.Context()); err != nil {
		t.Errorf("Abort after Commit = %v, want nil (a no-op)", err)
	}
	if got := get(t, s, key); string(got) != "done" {
		t.Errorf("content after Abort-after-Commit = %q, want %q", got, "done")
	}
}

// testConcurrentCreate: distinct keys in parallel all land; one key raced
// by many goroutines is won by exactly one.
func testConcurrentCreate(t *testing.T, f Factory) {
	s := newStore(t, f)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	wins := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("%d/r_%d.cast", i%3, i)
			w, err := s.Create(t.Context(), key)
			if err == nil {
				_, err = fmt.Fprintf(w, "blob %d", i)
			}
			if err == nil {
				err = w.Commit(t.Context())
			}
			errs[i] = err
			w2, err := s.Create(t.Context(), "race/r_one.cast")
			if err == nil {
				wins[i] = true
				fmt.Fprintf(w2, "winner %d", i)
				errs[i] = errors.Join(errs[i], w2.Commit(t.Context()))
			} else if !errors.Is(err, fs.ErrExist) {
				errs[i] = errors.Join(errs[i], err)
			}
		})
	}
	wg.Wait()
	winner := -1
	for i := range n {
		if errs[i] != nil {
			t.Errorf("goroutine %d: %v", i, errs[i])
		}
		if wins[i] {
			if winner >= 0 {
				t.Errorf("goroutines %d and %d both created the same key", winner, i)
			}
			winner = i
		}
		key := fmt.Sprintf("%d/r_%d.cast", i%3, i)
		if got, want := string(get(t, s, key)), fmt.Sprintf("blob %d", i); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if winner < 0 {
		t.Fatal("no goroutine created the raced key")
	}
	if got, want := string(get(t, s, "race/r_one.cast")), fmt.Sprintf("winner %d", winner); got != want {
		t.Errorf("raced key = %q, want %q", got, want)
	}
	wantIncomplete(t, s)
}

func testLarge(t *testing.T, f Factory) {
	s := newStore(t, f)
	w, err := s.Create(t.Context(), "8/r_big.tsr")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	chunk := make([]byte, 32<<10)
	var size int64
	for i := range 64 {
		for j := range chunk {
			chunk[j] = byte(i*31 + j)
		}
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
		h.Write(chunk)
		size += int64(len(chunk))
		if i%16 == 15 {
			if err := w.Sync(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := get(t, s, "8/r_big.tsr")
	if int64(len(got)) != size || sha256.Sum256(got) != [32]byte(h.Sum(nil)) {
		t.Errorf("large blob: %d bytes read, want %d with the written hash", len(got), size)
	}
	info, err := s.Recover(t.Context(), "8/r_big.tsr")
	if err != nil || info.Size != size || info.SHA256 != [32]byte(h.Sum(nil)) {
		t.Errorf("Recover of the large blob = %+v, %v; want size %d and the written hash", info, err, size)
	}
}
