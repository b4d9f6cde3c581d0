// Package files is the user's side of file transfers (the tether-files
// channel, scope files): which file a technician may collect, and how a
// file sent by the technician lands in the user's Downloads folder. Paths
// named by the technician go through the diagnostics rules (package diag);
// names for Downloads are made safe here. The channel protocol itself is in
// package agent, the wire format in internal/wire.
package files

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tetherhq/tether/client/internal/diag"
	"github.com/tetherhq/tether/internal/wire"
)

// Refusals of a collect, decided before any byte is read.
var (
	ErrNotRegular = errors.New("refused: not a regular file")
	ErrTooLarge   = errors.New("refused: the file is larger than the limit")
	ErrHash       = errors.New("the file's SHA-256 does not match")
)

// Source is a file opened for collecting.
type Source struct {
	*os.File
	Path string // resolved path
	Name string // base name
	Size int64
}

// OpenCollect checks name with the shared form rules and the diagnostics
// rules (absolute, cleaned, no device or UNC path, links resolved and
// re-checked), then opens it: a regular file of at most max bytes only.
func OpenCollect(name string, max int64) (*Source, error) {
	if err := wire.CheckFilePath(name); err != nil {
		return nil, err
	}
	resolved, err := diag.ResolvePath(name)
	if err != nil {
		return nil, err
	}
	fi, err := os.Lstat(resolved)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%w (%s > %s)", ErrTooLarge, Size(fi.Size()), Size(max))
	}
	f, err := diag.OpenResolved(resolved)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || !os.SameFile(fi, st) {
		f.Close()
		return nil, ErrNotRegular // swapped between the check and the open
	}
	return &Source{File: f, Path: resolved, Name: filepath.Base(resolved), Size: st.Size()}, nil
}

// DownloadsDir is where sent files go: $XDG_DOWNLOAD_DIR when set and
// absolute, else Downloads in the home directory.
func DownloadsDir() (string, error) {
	if d := os.Getenv("XDG_DOWNLOAD_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Clean(d), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("files: no home directory: %w", err)
	}
	return filepath.Join(home, "Downloads"), nil
}

// maxSafeName bounds a safe name in bytes (leaving room for " (99)").
const maxSafeName = 200

// SafeName turns a name from the other side into a file name that is safe
// in any folder on any OS: the base name only, without control characters,
// path separators or characters Windows refuses, without leading or
// trailing dots and spaces, not a reserved device name, at most 200 bytes.
func SafeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || unicode.IsControl(r) || strings.ContainsRune(`<>:"/\|?*`, r) ||
			unicode.Is(unicode.Cf, r) { // bidi overrides and other invisible format characters
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, ". ")
	for len(name) > maxSafeName {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	name = strings.TrimRight(name, ". ")
	if name == "" {
		return "file"
	}
	base := strings.ToUpper(name)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
		"COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		name = "_" + name
	}
	return name
}

// candidate is the i-th name tried for name: "report.pdf", "report (1).pdf", ...
func candidate(name string, i int) string {
	if i == 0 {
		return name
	}
	ext := filepath.Ext(name)
	if ext == name {
		ext = ""
	}
	return fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), i, ext)
}

// Receive writes exactly size bytes from r into dir (created if missing)
// under SafeName(name): first into a new temporary file there, hashed as it
// is written; only when the SHA-256 matches want is it given its final
// name, never replacing an existing file or following a link there (a
// taken name gets " (1)", " (2)", ...). It returns the final path. On any
// error nothing is left behind.
func Receive(dir, name string, size int64, want string, r io.Reader, progress func(done int64)) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("files: create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".tether-*.part") // O_EXCL: never an existing file or link
	if err != nil {
		return "", fmt.Errorf("files: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	h := sha256.New()
	n, err := copyProgress(io.MultiWriter(tmp, h), io.LimitReader(r, size), progress)
	if err != nil {
		return "", fmt.Errorf("files: receive: %w", err)
	}
	if n != size {
		return "", fmt.Errorf("files: receive: stopped after %d of %d bytes", n, size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return "", ErrHash
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("files: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("files: %w", err)
	}
	safe := SafeName(name)
	for i := 0; i < 100; i++ {
		final := filepath.Join(dir, candidate(safe, i))
		err := place(tmpName, final)
		if err == nil {
			ok = true
			return final, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("files: %w", err)
		}
	}
	return "", errors.New("files: no free name in the Downloads folder")
}

// place gives tmp the name final unless final exists (a file, a folder or
// a link, dangling or not): a hard link fails on an existing name without
// following it; where links are not supported, a checked rename.
func place(tmp, final string) error {
	err := os.Link(tmp, final)
	if err == nil {
		return os.Remove(tmp)
	}
	if errors.Is(err, fs.ErrExist) {
		return fs.ErrExist
	}
	if _, lerr := os.Lstat(final); lerr == nil {
		return fs.ErrExist
	}
	return os.Rename(tmp, final)
}

// copyProgress copies in wire.FileChunk pieces, reporting the running total.
func copyProgress(w io.Writer, r io.Reader, progress func(int64)) (int64, error) {
	buf := make([]byte, wire.FileChunk)
	var n int64
	for {
		k, err := r.Read(buf)
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return n, werr
			}
			n += int64(k)
			if progress != nil {
				progress(n)
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// CopyProgress is copyProgress for the agent's collect side.
func CopyProgress(w io.Writer, r io.Reader, progress func(int64)) (int64, error) {
	return copyProgress(w, r, progress)
}

// Size formats a byte count for people: "2.3 MB".
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
