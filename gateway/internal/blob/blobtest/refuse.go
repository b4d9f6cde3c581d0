package blobtest

// What every method must refuse: bad keys and done contexts.

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/blob"
)

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
