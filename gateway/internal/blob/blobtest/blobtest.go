// Package blobtest holds the blob.Store contract as tests that any
// implementation runs: the directory store does, and an object store (a
// local spool plus a multipart upload) must pass the same ones, so code
// that takes a blob.Store does not care which it gets.
//
//	func TestConformance(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) (blob.Store, func(*testing.T) blob.Store) {
//			s := newMyStore(t)
//			return s, func(t *testing.T) blob.Store { return reopenMyStore(t, s) }
//		})
//	}
//
// The package also has Mem, an in-memory Store for tests of the code that
// uses one.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/blob"
)

// Factory returns a new, empty Store for one test, and reopen: a function
// that returns a second Store over the same storage, as the gateway sees it
// when it starts again after a crash (Writers handed out by the first need
// not work any more). reopen may be nil; the crash tests then use the first
// Store.
type Factory func(t *testing.T) (s blob.Store, reopen func(t *testing.T) blob.Store)

// Run runs every contract test as a subtest of t.
func Run(t *testing.T, f Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, Factory)
	}{
		{"RoundTrip", testRoundTrip},
		{"CreateExisting", testCreateExisting},
		{"Missing", testMissing},
		{"Abort", testAbort},
		{"AfterCommit", testAfterCommit},
		{"Incomplete", testIncomplete},
		{"Recover", testRecover},
		{"RecoverCommitted", testRecoverCommitted},
		{"InvalidKeys", testInvalidKeys},
		{"Canceled", testCanceled},
		{"CanceledWriter", testCanceledWriter},
		{"ConcurrentCreate", testConcurrentCreate},
		{"Large", testLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, f) })
	}
}

func newStore(t *testing.T, f Factory) blob.Store {
	t.Helper()
	s, _ := f(t)
	return s
}

// put creates key with data and commits it.
func put(t *testing.T, s blob.Store, key string, data []byte) {
	t.Helper()
	w, err := s.Create(t.Context(), key)
	if err != nil {
		t.Fatalf("Create(%q): %v", key, err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatalf("Write(%q): %v", key, err)
	}
	if err := w.Commit(t.Context()); err != nil {
		t.Fatalf("Commit(%q): %v", key, err)
	}
}

// get returns the content of key and checks that Open's and Stat's sizes
// agree with it.
func get(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	r, size, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	if size != int64(len(b)) {
		t.Errorf("Open(%q) size = %d, but %d bytes read", key, size, len(b))
	}
	if n, err := s.Stat(t.Context(), key); err != nil || n != int64(len(b)) {
		t.Errorf("Stat(%q) = %d, %v; want %d, nil", key, n, err, len(b))
	}
	return b
}

func wantIncomplete(t *testing.T, s blob.Store, want ...string) {
	t.Helper()
	got, err := s.Incomplete(t.Context())
	if err != nil {
		t.Fatalf("Incomplete: %v", err)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("Incomplete = %q, want %q", got, want)
	}
}

func wantNotExist(t *testing.T, s blob.Store, key string) {
	t.Helper()
	if _, _, err := s.Open(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(%q) = %v, want fs.ErrNotExist", key, err)
	}
	if _, err := s.Stat(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(%q) = %v, want fs.ErrNotExist", key, err)
	}
}

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

// BadKeys are keys every Store must refuse with blob.ErrInvalidKey.
var BadKeys = []string{
	"", "..", ".", "../x", "a/../../x", "a/..", "a/./b", "/abs", "/etc/passwd", "a//b", "a/", `a\b`, `..\x`,
	"a\x00b", "C:/x", "A", "a/B.cast", "a b", ".x", ".incomplete/x", "a/\uff0e\uff0e/x", "a/%2e%2e/x", "a/\u00e9",
	"a\n", "~", strings.Repeat("a", blob.MaxKeyLen+1),
}

func testInvalidKeys(t *testing.T, f Factory) {
	s := newStore(t, f)
	for _, k := range BadKeys {
		if _, err := s.Create(t.Context(), k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Create(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := s.Open(t.Context(), k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Open(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, err := s.Stat(t.Context(), k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Stat(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, err := s.Recover(t.Context(), k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Recover(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
	wantIncomplete(t, s)
}

func testCanceled(t *testing.T, f Factory) {
	s := newStore(t, f)
	put(t, s, "5/r_here.cast", []byte("here"))
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, c := range []struct {
		ctx  context.Context
		want error
	}{{canceled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		if w, err := s.Create(c.ctx, "5/r_new.cast"); !errors.Is(err, c.want) {
			t.Errorf("Create with a done context = %v, want %v", err, c.want)
			if w != nil {
				w.Abort(t.Context())
			}
		}
		if _, _, err := s.Open(c.ctx, "5/r_here.cast"); !errors.Is(err, c.want) {
			t.Errorf("Open with a done context = %v, want %v", err, c.want)
		}
		if _, err := s.Stat(c.ctx, "5/r_here.cast"); !errors.Is(err, c.want) {
			t.Errorf("Stat with a done context = %v, want %v", err, c.want)
		}
		if _, err := s.Incomplete(c.ctx); !errors.Is(err, c.want) {
			t.Errorf("Incomplete with a done context = %v, want %v", err, c.want)
		}
		if _, err := s.Recover(c.ctx, "5/r_here.cast"); !errors.Is(err, c.want) {
			t.Errorf("Recover with a done context = %v, want %v", err, c.want)
		}
	}
	// A refused Create left nothing behind.
	wantNotExist(t, s, "5/r_new.cast")
	wantIncomplete(t, s)
	put(t, s, "5/r_new.cast", []byte("now"))
}

// testCanceledWriter: Commit and Abort with a done context do nothing, and
// the Writer is still usable.
func testCanceledWriter(t *testing.T, f Factory) {
	s := newStore(t, f)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	w, err := s.Create(t.Context(), "6/r_w.cast")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "one")
	if err := w.Commit(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit with a canceled context = %v, want context.Canceled", err)
	}
	if err := w.Abort(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("Abort with a canceled context = %v, want context.Canceled", err)
	}
	wantIncomplete(t, s, "6/r_w.cast")
	if _, err := io.WriteString(w, "+two"); err != nil {
		t.Errorf("Write after a canceled Commit: %v", err)
	}
	if err := w.Commit(t.Context()); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if got := get(t, s, "6/r_w.cast"); string(got) != "one+two" {
		t.Errorf("content = %q, want %q", got, "one+two")
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
