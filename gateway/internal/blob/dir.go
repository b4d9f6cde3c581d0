package blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Dir is a Store that keeps each blob as a file under a root directory.
// Files are created 0600 and directories 0700. All file access goes
// through an os.Root, so even a symlink planted inside the directory cannot
// lead outside it.
//
// A blob is written in place, at its key's path, so it can be read while
// it is written and a crash leaves its prefix where the recording's row
// says it is. What marks it incomplete until Commit is an empty file in
// the directory ".incomplete" (never a key: a key's first segment has no
// dot), named after the key with '/' written as '+'. Create makes the
// marker before the file, Commit and Abort remove it after the file is
// synced or removed, and each step syncs its directory, so after a crash
// a blob is committed exactly when it has no marker.
type Dir struct {
	path string
	root *os.Root
}

var _ Store = (*Dir)(nil)

// incompleteDir holds the markers of blobs that are not committed.
const incompleteDir = ".incomplete"

// NewDir opens (creating it 0700 if needed) the directory root as a Store.
// Close releases it.
func NewDir(root string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("blob: resolve %s: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create root: %w", err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("blob: open root: %w", err)
	}
	return &Dir{path: abs, root: r}, nil
}

// Path returns the absolute directory the blobs live in.
func (d *Dir) Path() string { return d.path }

// Close releases the directory handle. Readers already handed out stay
// usable; Writers must be committed or aborted before.
func (d *Dir) Close() error { return d.root.Close() }

// name validates key and returns it as a path relative to the root, after
// checking that root+key, joined and cleaned, is still inside the root.
func (d *Dir) name(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	rel := filepath.FromSlash(key)
	full := filepath.Join(d.path, rel) // Join cleans
	r, err := filepath.Rel(d.path, full)
	if err != nil || !filepath.IsLocal(r) || r != rel || !strings.HasPrefix(full, d.path+string(filepath.Separator)) {
		return "", fmt.Errorf("blob: %w %q: escapes the root", ErrInvalidKey, key)
	}
	return rel, nil
}

// marker returns the path of key's incomplete marker.
func marker(key string) string {
	return filepath.Join(incompleteDir, strings.ReplaceAll(key, "/", "+"))
}

// mark creates key's marker; it fails with fs.ErrExist if there is one.
func (d *Dir) mark(key string) error {
	if err := d.root.MkdirAll(incompleteDir, 0o700); err != nil {
		return err
	}
	f, err := d.root.OpenFile(marker(key), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return d.syncDir(incompleteDir)
}

// unmark removes key's marker, if there is one.
func (d *Dir) unmark(key string) error {
	err := d.root.Remove(marker(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return d.syncDir(incompleteDir)
}

// Create makes the blob key (and its parent directories) and returns it for
// writing. It fails with an error matching fs.ErrExist if the key exists,
// committed or not. The directories are synced so the new entries survive
// a crash.
func (d *Dir) Create(ctx context.Context, key string) (Writer, error) {
	name, err := d.name(key)
	if err != nil {
		return nil, err
	}
	if err := ctxErr(ctx, "create", key); err != nil {
		return nil, err
	}
	if err := d.mark(key); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", key, err)
	}
	f, err := d.create(name)
	if err != nil {
		if uerr := d.unmark(key); uerr != nil {
			err = errors.Join(err, uerr)
		}
		return nil, fmt.Errorf("blob: create %s: %w", key, err)
	}
	return &dirWriter{d: d, key: key, name: name, f: f}, nil
}

// create makes the file name exclusively and syncs its directory.
func (d *Dir) create(name string) (*os.File, error) {
	parent := filepath.Dir(name)
	if parent != "." {
		if err := d.root.MkdirAll(parent, 0o700); err != nil {
			return nil, err
		}
	}
	f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := d.syncDir(parent); err != nil {
		f.Close()
		d.root.Remove(name)
		return nil, err
	}
	return f, nil
}

func (d *Dir) syncDir(name string) error {
	dir, err := d.root.Open(name)
	if err != nil {
		return err
	}
	err = dir.Sync()
	if cerr := dir.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open returns the blob key for reading and its size. A missing key gives
// an error matching fs.ErrNotExist. A blob not committed yet reads as what
// has been written so far.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, error) {
	name, err := d.name(key)
	if err != nil {
		return nil, 0, err
	}
	if err := ctxErr(ctx, "open", key); err != nil {
		return nil, 0, err
	}
	f, err := d.root.Open(name)
	if err != nil {
		return nil, 0, fmt.Errorf("blob: open %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("blob: open %s: %w", key, err)
	}
	return f, fi.Size(), nil
}

// Stat returns the size of blob key. A missing key gives an error matching
// fs.ErrNotExist.
func (d *Dir) Stat(ctx context.Context, key string) (int64, error) {
	name, err := d.name(key)
	if err != nil {
		return 0, err
	}
	if err := ctxErr(ctx, "stat", key); err != nil {
		return 0, err
	}
	fi, err := d.root.Lstat(name)
	if err == nil && !fi.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		return 0, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return fi.Size(), nil
}

// Incomplete lists the keys that have a marker, sorted. Marker names that
// do not map back to a valid key are not Tether's and are skipped.
func (d *Dir) Incomplete(ctx context.Context) ([]string, error) {
	if err := ctxErr(ctx, "list incomplete", ""); err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(d.root.FS(), incompleteDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("blob: list incomplete: %w", err)
	}
	var keys []string
	for _, e := range entries {
		key := strings.ReplaceAll(e.Name(), "+", "/")
		if e.Type().IsRegular() && ValidKey(key) == nil {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// Recover hashes the file of key as it is, syncs it (after a kill -9 the
// page cache may still hold bytes the recorder had not synced: they are
// kept, and made durable before the hash is reported) and removes the
// marker. A marker without a file is removed too, and gives fs.ErrNotExist.
func (d *Dir) Recover(ctx context.Context, key string) (Info, error) {
	name, err := d.name(key)
	if err != nil {
		return Info{}, err
	}
	if err := ctxErr(ctx, "recover", key); err != nil {
		return Info{}, err
	}
	info, err := d.sum(name)
	if errors.Is(err, fs.ErrNotExist) {
		if uerr := d.unmark(key); uerr != nil {
			err = errors.Join(err, uerr)
		}
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: recover %s: %w", key, err)
	}
	if err := d.unmark(key); err != nil {
		return Info{}, fmt.Errorf("blob: recover %s: %w", key, err)
	}
	return info, nil
}

// sum returns the size and SHA-256 of the file name, after syncing it.
func (d *Dir) sum(name string) (Info, error) {
	f, err := d.root.OpenFile(name, os.O_RDWR, 0) // writable: Windows syncs only those
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Info{}, err
	}
	if !fi.Mode().IsRegular() {
		return Info{}, errors.New("not a regular file")
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Info{}, err
	}
	if err := f.Sync(); err != nil {
		return Info{}, err
	}
	info := Info{Size: n}
	h.Sum(info.SHA256[:0])
	return info, f.Close()
}

// dirWriter is a Dir blob being written.
type dirWriter struct {
	d         *Dir
	key, name string
	f         *os.File
	state     writerState
	err       error // why Commit or Abort failed (state failed)
}

type writerState int

const (
	writerOpen writerState = iota
	writerCommitted
	writerAborted
	writerFailed // the file is closed; the blob is still incomplete
)

func (w *dirWriter) Write(p []byte) (int, error) {
	if w.state != writerOpen {
		return 0, fmt.Errorf("blob: write %s: %w", w.key, ErrClosed)
	}
	return w.f.Write(p)
}

func (w *dirWriter) Sync() error {
	if w.state != writerOpen {
		return fmt.Errorf("blob: sync %s: %w", w.key, ErrClosed)
	}
	return w.f.Sync()
}

// Commit syncs and closes the file, then removes the marker.
func (w *dirWriter) Commit(ctx context.Context) error {
	switch w.state {
	case writerCommitted:
		return nil
	case writerAborted:
		return fmt.Errorf("blob: commit %s: aborted: %w", w.key, ErrClosed)
	case writerFailed:
		return w.err
	}
	if err := ctxErr(ctx, "commit", w.key); err != nil {
		return err
	}
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.d.unmark(w.key)
	}
	if err != nil {
		w.state, w.err = writerFailed, fmt.Errorf("blob: commit %s: %w", w.key, err)
		return w.err
	}
	w.state = writerCommitted
	return nil
}

// Abort closes and removes the file, then the marker.
func (w *dirWriter) Abort(ctx context.Context) error {
	if w.state == writerCommitted || w.state == writerAborted {
		return nil
	}
	if err := ctxErr(ctx, "abort", w.key); err != nil {
		return err
	}
	if w.state == writerOpen {
		w.f.Close() // the data is being discarded; only removing it matters
	}
	err := w.d.root.Remove(w.name)
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if err == nil {
		err = w.d.syncDir(filepath.Dir(w.name))
	}
	if err == nil {
		err = w.d.unmark(w.key)
	}
	if err != nil {
		w.state, w.err = writerFailed, fmt.Errorf("blob: abort %s: %w", w.key, err)
		return w.err
	}
	w.state = writerAborted
	return nil
}
