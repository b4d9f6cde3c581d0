package diag

import (
	"os"
	"runtime"
)

// ResolvePath applies the diagnostics path rules to a path named from the
// other side (the files channel uses them too): CleanPath for this OS, no
// network drive, symbolic links resolved, and CleanPath again on the
// result, so a link into /dev, /proc or a share is refused like the path
// itself would be. It returns the path to open.
func ResolvePath(name string) (string, error) {
	c, err := CleanPath(runtime.GOOS, name)
	if err != nil {
		return "", err
	}
	if onShare(runtime.GOOS, c) {
		return "", ErrPathForm
	}
	res, err := resolveLinks(runtime.GOOS)(c)
	if err != nil {
		return "", unwrapPath(err)
	}
	rc, err := CleanPath(runtime.GOOS, res)
	if err != nil {
		return "", err
	}
	if onShare(runtime.GOOS, rc) {
		return "", ErrPathForm
	}
	return rc, nil
}

// OpenResolved opens a path ResolvePath returned, read-only, never
// following a final symbolic link swapped in since and never blocking on a
// FIFO (see openNoBlock).
func OpenResolved(resolved string) (*os.File, error) { return openNoBlock(resolved) }
