package blob

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Dir is a Store that keeps each blob as a file under a root directory.
// Files are created 0600 and directories 0700. All file access goes
// through an os.Root, so even a symlink planted inside the directory cannot
// lead outside it.
type Dir struct {
	path string
	root *os.Root
}

var _ Store = (*Dir)(nil)

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

// Close releases the directory handle. Writers and readers already handed
// out stay usable.
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

// Create makes the blob key (and its parent directories) and returns it for
// writing. It fails with an error matching fs.ErrExist if the key exists.
// The parent directory is synced so the new entry survives a crash.
func (d *Dir) Create(key string) (Writer, error) {
	name, err := d.name(key)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(name)
	if parent != "." {
		if err := d.root.MkdirAll(parent, 0o700); err != nil {
			return nil, fmt.Errorf("blob: create %s: %w", key, err)
		}
	}
	f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", key, err)
	}
	if err := d.syncDir(parent); err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: create %s: %w", key, err)
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
// an error matching fs.ErrNotExist.
func (d *Dir) Open(key string) (io.ReadSeekCloser, int64, error) {
	name, err := d.name(key)
	if err != nil {
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
func (d *Dir) Stat(key string) (int64, error) {
	name, err := d.name(key)
	if err != nil {
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
