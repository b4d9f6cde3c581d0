// Package blob stores Tether's recordings. The gateway writes a recording
// while the session runs and serves it later to technicians and auditors;
// this package is the one place that turns a recording's key into storage,
// so the rules about which keys are allowed, and that nothing can leave the
// storage root, live here and nowhere else.
//
// A recording's life in a Store:
//
//	Create(ctx, key) ──► Writer ── Write, Sync (durable prefix, nothing published)
//	                        │
//	                        ├── Commit(ctx): complete and durable under key
//	                        ├── Abort(ctx):  gone
//	                        └── crash:       listed by Incomplete(ctx);
//	                                         Recover(ctx, key) keeps the durable
//	                                         prefix as the blob and returns its
//	                                         size and SHA-256
//
// "Durable prefix" is a property of where a store keeps blobs that are not
// committed yet: the file itself for Dir, a local spool for an object store
// (the expected S3 shape is a spool file plus a multipart upload that Commit
// completes). Sync makes that place durable; it never publishes anything.
//
// Dir keeps blobs as files under a directory (the default). Keys look like
// "12/r_k3j9abcd.cast": lowercase path segments separated by '/'. Package
// blobtest holds the contract as tests that any Store must pass.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
)

// Store is what consumers of recordings need. Dir implements it; an
// S3-compatible implementation can follow. Every method checks its key
// (ValidKey) and its context first: with ctx already done it returns an
// error matching ctx's, having done nothing.
type Store interface {
	// Create starts a new blob. It fails with an error matching
	// fs.ErrExist if key exists, committed or not.
	Create(ctx context.Context, key string) (Writer, error)
	// Open returns the blob for reading and its size in bytes. A missing
	// key gives an error matching fs.ErrNotExist. A blob not committed yet
	// either reads as a prefix of what was written (Dir) or does not exist
	// (an object store).
	Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, error)
	// Stat returns the size of the blob in bytes, as Open would.
	Stat(ctx context.Context, key string) (int64, error)
	// Incomplete lists, sorted, the keys of blobs created and neither
	// committed nor aborted: a crash's leftovers when nothing is writing.
	Incomplete(ctx context.Context) ([]string, error)
	// Recover commits what a crash left of blob key: its durable prefix
	// becomes the blob. It returns the blob's size and SHA-256; on a
	// committed blob it only reads them, so recovery can be repeated. A key
	// with no data gives an error matching fs.ErrNotExist (an incomplete
	// entry without data is dropped). Recover is for after a crash: never
	// for a key a live Writer is still writing.
	Recover(ctx context.Context, key string) (Info, error)
}

// Writer is a blob being written. It is not safe for concurrent use; the
// recording writers serialize their calls.
//
// After Commit or Abort, Write and Sync fail with an error matching
// fs.ErrClosed. Abort after a successful Commit does nothing and returns
// nil, so "defer w.Abort(ctx)" is safe; Commit after Abort fails.
type Writer interface {
	io.Writer
	// Sync makes what was written so far durable where the store keeps
	// blobs that are not committed (fsync for Dir), so a crash leaves a
	// prefix that Recover can keep. It publishes nothing.
	Sync() error
	// Commit makes the blob complete and durable under its key. If ctx is
	// done before Commit starts, the Writer stays open. If Commit fails
	// otherwise, the blob stays incomplete: Abort discards it, or recovery
	// finds it.
	Commit(ctx context.Context) error
	// Abort discards the blob.
	Abort(ctx context.Context) error
}

// Info describes a blob's content.
type Info struct {
	Size   int64
	SHA256 [32]byte
}

// ErrClosed is matched by the errors of Write and Sync after Commit or
// Abort. It is fs.ErrClosed, which os.File returns too.
var ErrClosed = fs.ErrClosed

// ctxErr wraps ctx's error, if it is done, for method op on key.
func ctxErr(ctx context.Context, op, key string) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if c := context.Cause(ctx); c != nil && c != err {
		err = fmt.Errorf("%w: %w", err, c) // both match: context.Canceled and the cause
	}
	if key == "" {
		return fmt.Errorf("blob: %s: %w", op, err)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}

// MaxKeyLen is the longest key ValidKey accepts.
const MaxKeyLen = 200

// ErrInvalidKey is returned (wrapped) for keys that ValidKey rejects.
var ErrInvalidKey = errors.New("invalid blob key")

// ValidKey reports whether key is a key Tether may use: at most MaxKeyLen
// bytes matching [a-z0-9_-]+(/[a-z0-9_.-]+)*, with no ".." anywhere and no
// segment made only of dots. Keys are generated by the gateway, never taken
// from users, but every entry point checks them anyway.
func ValidKey(key string) error {
	if err := validKey(key); err != nil {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, truncate(key, 64), err)
	}
	return nil
}

func validKey(key string) error {
	switch {
	case key == "":
		return errors.New("empty")
	case len(key) > MaxKeyLen:
		return fmt.Errorf("longer than %d bytes", MaxKeyLen)
	case strings.Contains(key, ".."):
		return errors.New(`contains ".."`)
	}
	for i, seg := range strings.Split(key, "/") {
		if seg == "" {
			return errors.New("empty path segment")
		}
		if strings.Trim(seg, ".") == "" {
			return errors.New("dot-only path segment")
		}
		for j := 0; j < len(seg); j++ {
			c := seg[j]
			ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || (c == '.' && i > 0)
			if !ok {
				return fmt.Errorf("byte %#02x not allowed in segment %d", c, i)
			}
		}
	}
	// Belt and braces: the key must be a local path on every OS.
	if !filepath.IsLocal(filepath.FromSlash(key)) {
		return errors.New("not a local path")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
