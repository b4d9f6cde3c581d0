// Package downloads is the gateway's shelf of client builds: which
// platforms exist, where their files are, their checksums, whether they
// are signed and whether they were baked for this gateway.
//
// The directory is read again on every request, so a folder created or
// filled after the gateway started (make dist, make run's dist-host) is
// served at once. Checksums are computed by the gateway and cached by path,
// size and modification time; a SHA256SUMS file next to the builds is only
// a cross-check (a stale one is logged and ignored). File names come from
// the platform table, never from a request.
package downloads

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// Platform is one client build the gateway can serve.
type Platform struct {
	OS, Arch string
	// File is the name of the build in the downloads directory, as `make
	// dist` writes it.
	File string
}

// Platforms is every client build, in the order the join page lists them.
var Platforms = []Platform{
	{"windows", "amd64", "tether-client-windows-amd64.exe"},
	{"windows", "arm64", "tether-client-windows-arm64.exe"},
	{"darwin", "arm64", "tether-client-darwin-arm64"},
	{"darwin", "amd64", "tether-client-darwin-amd64"},
	{"linux", "amd64", "tether-client-linux-amd64"},
	{"linux", "arm64", "tether-client-linux-arm64"},
}

// Lookup returns the platform for os/arch.
func Lookup(osName, arch string) (Platform, bool) {
	for _, p := range Platforms {
		if p.OS == osName && p.Arch == arch {
			return p, true
		}
	}
	return Platform{}, false
}

// Name is the file name a user gets for p: with the invite code (without
// dashes) when code is a valid one, so the client finds it in its own name
// (preset.CodeFromName), else the plain build name.
func Name(p Platform, code string) string {
	c, err := wire.NormalizeCode(code)
	if code == "" || err != nil {
		return p.File
	}
	ext := ""
	if p.OS == "windows" {
		ext = ".exe"
	}
	return "tether-client-" + strings.ReplaceAll(c, "-", "") + "-" + p.OS + "-" + p.Arch + ext
}

// Signature says whether a build is signed, in the words of the platform.
type Signature struct {
	// State is "signed", "unsigned" or "adhoc" (macOS ad-hoc signature:
	// runs on Apple silicon, but Gatekeeper does not know who made it).
	State  string `json:"state"`
	Detail string `json:"detail"`
}

// Item is one build on the shelf, as GET /api/v1/downloads lists it.
type Item struct {
	OS        string    `json:"os"`
	Arch      string    `json:"arch"`
	URL       string    `json:"url"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	Signature Signature `json:"signature"`
	// Baked: the build carries this gateway's pin (make dist / make run
	// baked it), so it needs no join string, only a code.
	Baked bool `json:"baked"`
	// File is the plain build name; the download is named with Name.
	File string `json:"file"`
}

// Config configures a Shelf.
type Config struct {
	// Dir holds the builds; "" serves none.
	Dir string
	// Pin is this gateway's pin as baked into clients (base64url SPKI
	// SHA-256); a build holding this string is reported as baked.
	Pin string
	// Log receives stale-checksum warnings; discarded when nil.
	Log *slog.Logger
}

// Shelf lists and opens the builds of one directory.
type Shelf struct {
	cfg   Config
	mu    sync.Mutex
	cache map[string]facts
}

// facts is what the gateway learned from reading one version of a file.
type facts struct {
	size  int64
	mtime time.Time
	sum   string
	sig   Signature
	baked bool
}

// New returns a Shelf for cfg.
func New(cfg Config) *Shelf {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Shelf{cfg: cfg, cache: map[string]facts{}}
}

// maxBuild bounds the size of a build the gateway reads (and serves).
const maxBuild = 512 << 20

// List returns the builds present now, in Platforms order.
func (s *Shelf) List() []Item {
	out := []Item{}
	if s.cfg.Dir == "" {
		return out
	}
	sums := readChecksums(filepath.Join(s.cfg.Dir, "SHA256SUMS"))
	for _, p := range Platforms {
		f, it, err := s.open(p, sums)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				s.cfg.Log.Warn("client build unreadable", "file", p.File, "err", err)
			}
			continue
		}
		f.Close()
		out = append(out, it)
	}
	return out
}

// Open opens the build for p; the caller closes the file. The Item
// describes exactly the bytes of that open file. The error wraps
// fs.ErrNotExist when there is no build.
func (s *Shelf) Open(p Platform) (*os.File, Item, error) {
	if s.cfg.Dir == "" {
		return nil, Item{}, fs.ErrNotExist
	}
	return s.open(p, readChecksums(filepath.Join(s.cfg.Dir, "SHA256SUMS")))
}

func (s *Shelf) open(p Platform, sums map[string]string) (*os.File, Item, error) {
	path := filepath.Join(s.cfg.Dir, p.File)
	f, err := os.Open(path)
	if err != nil {
		return nil, Item{}, err
	}
	it, err := s.item(path, p, f, sums)
	if err != nil {
		f.Close()
		return nil, Item{}, err
	}
	return f, it, nil
}

func (s *Shelf) item(path string, p Platform, f *os.File, sums map[string]string) (Item, error) {
	st, err := f.Stat()
	if err != nil {
		return Item{}, err
	}
	if !st.Mode().IsRegular() {
		return Item{}, fmt.Errorf("%s is not a regular file: %w", p.File, fs.ErrNotExist)
	}
	if st.Size() > maxBuild {
		return Item{}, fmt.Errorf("%s is larger than %d bytes", p.File, maxBuild)
	}
	fc, err := s.facts(path, p, st, f)
	if err != nil {
		return Item{}, err
	}
	if want, ok := sums[p.File]; ok && !strings.EqualFold(want, fc.sum) {
		s.cfg.Log.Warn("SHA256SUMS is stale: serving the checksum of the file as it is", "file", p.File, "listed", want, "actual", fc.sum)
	}
	return Item{
		OS: p.OS, Arch: p.Arch, URL: "/download/" + p.OS + "/" + p.Arch,
		SHA256: fc.sum, Size: fc.size, Signature: fc.sig, Baked: fc.baked, File: p.File,
	}, nil
}

// facts returns the cached facts of path when its size and mtime did not
// change, else reads the open file once (checksum, baked pin, signature).
func (s *Shelf) facts(path string, p Platform, st fs.FileInfo, r io.ReaderAt) (facts, error) {
	s.mu.Lock()
	c, ok := s.cache[path]
	s.mu.Unlock()
	if ok && c.size == st.Size() && c.mtime.Equal(st.ModTime()) {
		return c, nil
	}
	b, err := io.ReadAll(io.NewSectionReader(r, 0, maxBuild+1))
	if err != nil {
		return facts{}, err
	}
	if len(b) > maxBuild {
		return facts{}, fmt.Errorf("%s is larger than %d bytes", path, maxBuild)
	}
	sum := sha256.Sum256(b)
	c = facts{
		size: int64(len(b)), mtime: st.ModTime(), sum: hex.EncodeToString(sum[:]),
		sig:   signature(p.OS, b),
		baked: s.cfg.Pin != "" && bytes.Contains(b, []byte(s.cfg.Pin)),
	}
	if c.size != st.Size() {
		// Written while we read: do not cache a mix.
		return c, nil
	}
	s.mu.Lock()
	s.cache[path] = c
	s.mu.Unlock()
	return c, nil
}

// readChecksums parses a sha256sum-style file into name → hex digest.
func readChecksums(p string) map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile(p)
	if err != nil || len(b) > 1<<20 {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && len(f[0]) == 64 {
			out[strings.TrimPrefix(f[1], "*")] = f[0]
		}
	}
	return out
}
