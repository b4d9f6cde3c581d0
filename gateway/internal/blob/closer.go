package blob

import (
	"context"
	"io"
)

// Closer adapts a Writer to the Write/Sync/Close shape the recording
// writers take (recorder.Sink, screenrec.Sink): they close their sink once,
// when the recording is sealed, whether it ended normally or was cut short,
// and a sealed recording is a complete blob. So Close commits.
//
// The Writer is discarded instead with Abort, before the recording writer
// owns it (a header that could not be written).
type Closer struct {
	w   Writer
	ctx context.Context
}

// CommitOnClose returns w as a Closer whose Close commits w with ctx's
// values but not its cancellation: a recording started by a request is
// committed even after that request's context has ended.
func CommitOnClose(ctx context.Context, w Writer) *Closer {
	return &Closer{w: w, ctx: context.WithoutCancel(ctx)}
}

var _ io.WriteCloser = (*Closer)(nil)

// Write writes to the blob.
func (c *Closer) Write(p []byte) (int, error) { return c.w.Write(p) }

// Sync makes what was written so far durable (Writer.Sync).
func (c *Closer) Sync() error { return c.w.Sync() }

// Close commits the blob.
func (c *Closer) Close() error { return c.w.Commit(c.ctx) }

// Abort discards the blob (Writer.Abort).
func (c *Closer) Abort(ctx context.Context) error { return c.w.Abort(ctx) }
