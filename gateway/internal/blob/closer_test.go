package blob_test

import (
	"context"
	"io"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/blob/blobtest"
)

// A recording writer closes its sink when the recording is sealed, often
// after the request that started it has ended: Close still commits.
func TestCommitOnCloseOutlivesItsContext(t *testing.T) {
	s := blobtest.NewMem()
	ctx, cancel := context.WithCancel(t.Context())
	w, err := s.Create(ctx, "1/r_a.cast")
	if err != nil {
		t.Fatal(err)
	}
	c := blob.CommitOnClose(ctx, w)
	io.WriteString(c, "data")
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := c.Close(); err != nil {
		t.Fatalf("Close after the context ended = %v, want nil (committed)", err)
	}
	if n, err := s.Stat(t.Context(), "1/r_a.cast"); err != nil || n != 4 {
		t.Errorf("Stat = %d, %v; want 4, nil", n, err)
	}
	if keys, _ := s.Incomplete(t.Context()); len(keys) != 0 {
		t.Errorf("Incomplete = %q, want none", keys)
	}
}

func TestCommitOnCloseAbort(t *testing.T) {
	s := blobtest.NewMem()
	w, err := s.Create(t.Context(), "1/r_b.cast")
	if err != nil {
		t.Fatal(err)
	}
	c := blob.CommitOnClose(t.Context(), w)
	io.WriteString(c, "header")
	if err := c.Abort(t.Context()); err != nil {
		t.Fatal(err)
	}
	if keys, _ := s.Incomplete(t.Context()); len(keys) != 0 {
		t.Errorf("Incomplete after Abort = %q, want none", keys)
	}
	if _, err := s.Stat(t.Context(), "1/r_b.cast"); err == nil {
		t.Error("an aborted blob exists")
	}
}
