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
	"errors"
	"io"
	"io/fs"
	"slices"
	"testing"

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
