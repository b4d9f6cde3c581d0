package diag

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxLinks bounds the symbolic links followed in one path (Linux's limit).
const maxLinks = 40

// resolveLinks returns a resolver of symbolic links that walks a clean
// absolute path one component at a time and checks each link's target with
// CleanPath before touching it: a link to a device tree or a network share
// is refused without being followed (on Windows, merely looking at
// \\host\share would authenticate to that host). The result has no links
// left, as filepath.EvalSymlinks would return.
func resolveLinks(goos string) func(string) (string, error) {
	return func(name string) (string, error) {
		sep := string(filepath.Separator)
		vol := filepath.VolumeName(name)
		done := vol + sep
		rest := splitPath(name[len(vol):])
		links := 0
		for len(rest) > 0 {
			next := filepath.Join(done, rest[0])
			rest = rest[1:]
			fi, err := os.Lstat(next)
			if err != nil {
				return "", err
			}
			if fi.Mode()&fs.ModeSymlink == 0 {
				done = next
				continue
			}
			if links++; links > maxLinks {
				return "", fmt.Errorf("%s: too many symbolic links", name)
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			switch {
			case strings.HasPrefix(target, sep+sep) || strings.HasPrefix(target, "//"):
				// a share: CleanPath refuses it below
			case strings.HasPrefix(target, sep) && vol != "":
				target = vol + target // rooted on the same drive
			case !filepath.IsAbs(target):
				target = filepath.Join(done, target) // done has no links: ".." is physical
			}
			c, err := CleanPath(goos, target)
			if err == nil && onShare(goos, c) {
				err = ErrPathForm
			}
			if err != nil {
				return "", fmt.Errorf("%s leads to %q: %w", next, target, err)
			}
			vol = filepath.VolumeName(c)
			done = vol + sep
			rest = append(splitPath(c[len(vol):]), rest...)
		}
		return filepath.Clean(done), nil
	}
}

func splitPath(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == filepath.Separator })
}
