package diag

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tetherhq/tether/internal/wire"
)

// Refusals the logs check reports for a file it will not read. Both are
// decided before the file system is touched, so a refused path gets the
// same answer whether it exists or not.
var (
	// ErrFileRefused: outside the standard log locations and not approved.
	ErrFileRefused = errors.New("refused: not in the standard log locations and not approved by the user")
	// ErrPathForm: a device, network (UNC) or relative path, never read.
	ErrPathForm = errors.New("refused: device, network (UNC) and relative paths are never read")
)

// DefaultAskTimeout bounds how long a run waits for the user's answers to
// its file questions (all of them together), well inside the gateway's 90 s.
const DefaultAskTimeout = 60 * time.Second

// FilePolicyConfig configures a FilePolicy.
type FilePolicyConfig struct {
	// GOOS selects the path rules; default runtime.GOOS. Paths are checked
	// against the real file system, so only tests set it (to see the
	// Windows rules on Linux).
	GOOS string
	// Roots are the standard log locations, read without asking; default
	// LogRoots(GOOS).
	Roots []string
	// Allowed are exact paths the user approved before the session
	// (tether-client --allow-file).
	Allowed []string
	// Ask puts a yes/no question to the user on their terminal. Nil means
	// nobody can be asked (consent given with --accept): files outside
	// Roots and Allowed are refused.
	Ask func(ctx context.Context, question string) (bool, error)
	// AskTimeout bounds the questions of one run; default DefaultAskTimeout.
	AskTimeout time.Duration

	// resolve resolves symbolic links; default resolveLinks(GOOS) (tests).
	resolve func(string) (string, error)
}

// FilePolicy decides which files the logs check may read: files under the
// standard log locations, files the user approved before the session, and
// files the user approves when asked during it (remembered for the
// session). Device, UNC and relative paths are never read, and a path is
// re-checked after its symbolic links are resolved. It is safe for
// concurrent use.
type FilePolicy struct {
	cfg     FilePolicyConfig
	roots   []string        // cleaned, plus their resolved forms
	allowed map[string]bool // by key()

	askMu    sync.Mutex // one question at a time
	mu       sync.Mutex
	answered map[string]bool // the user's answers this session, by key()
}

// NewFilePolicy returns a policy with defaults filled in. It refuses an
// Allowed path that could never be read (device, UNC, relative).
func NewFilePolicy(cfg FilePolicyConfig) (*FilePolicy, error) {
	if cfg.GOOS == "" {
		cfg.GOOS = runtime.GOOS
	}
	if cfg.Roots == nil {
		cfg.Roots = LogRoots(cfg.GOOS)
	}
	if cfg.AskTimeout <= 0 {
		cfg.AskTimeout = DefaultAskTimeout
	}
	if cfg.resolve == nil {
		cfg.resolve = resolveLinks(cfg.GOOS)
	}
	p := &FilePolicy{cfg: cfg, allowed: map[string]bool{}, answered: map[string]bool{}}
	for _, r := range cfg.Roots {
		c, err := CleanPath(cfg.GOOS, r)
		if err != nil {
			continue // an unusable root (e.g. no home directory) grants nothing
		}
		p.roots = append(p.roots, c)
		if res, err := cfg.resolve(c); err == nil { // macOS: /var/log is /private/var/log
			if rc, err := CleanPath(cfg.GOOS, res); err == nil && p.key(rc) != p.key(c) {
				p.roots = append(p.roots, rc)
			}
		}
	}
	for _, a := range cfg.Allowed {
		c, err := CleanPath(cfg.GOOS, a)
		if err != nil {
			return nil, fmt.Errorf("diag: allowed file %q: %w", a, err)
		}
		p.allowed[p.key(c)] = true
		if res, err := cfg.resolve(c); err == nil {
			if rc, err := CleanPath(cfg.GOOS, res); err == nil {
				p.allowed[p.key(rc)] = true
			}
		}
	}
	return p, nil
}

// Authorize decides whether actor may have path read. It returns the
// path to open (cleaned, symbolic links resolved) or an error:
// ErrPathForm, ErrFileRefused, or, for a path the user did allow, why it
// cannot be resolved. mayAsk false never asks (the client's own files).
func (p *FilePolicy) Authorize(ctx context.Context, actor, name string, mayAsk bool) (string, error) {
	c, err := CleanPath(p.cfg.GOOS, name)
	if err != nil {
		return "", err
	}
	if onShare(p.cfg.GOOS, c) {
		return "", ErrPathForm
	}
	if !p.permitted(c) && !p.approve(ctx, actor, c, "", mayAsk) {
		return "", ErrFileRefused
	}
	// Only now is the file system touched: the path is one the user allows.
	res, err := p.cfg.resolve(c)
	if err != nil {
		return "", fmt.Errorf("resolve: %w", unwrapPath(err))
	}
	rc, err := CleanPath(p.cfg.GOOS, res)
	if err != nil {
		return "", err // a link into /proc, a device or a share
	}
	if p.key(rc) != p.key(c) && !p.permitted(rc) && !p.approve(ctx, actor, rc, c, mayAsk) {
		return "", ErrFileRefused
	}
	return rc, nil
}

// permitted: under a root, allowed by flag, or approved this session.
func (p *FilePolicy) permitted(c string) bool {
	k := p.key(c)
	if p.allowed[k] {
		return true
	}
	for _, r := range p.roots {
		if within(p.cfg.GOOS, r, c) {
			return true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.answered[k]
}

// approve asks the user about c (reached through via, when a link led
// there) unless they answered already this session.
func (p *FilePolicy) approve(ctx context.Context, actor, c, via string, mayAsk bool) bool {
	if !mayAsk || p.cfg.Ask == nil {
		return false
	}
	p.askMu.Lock()
	defer p.askMu.Unlock()
	k := p.key(c)
	p.mu.Lock()
	yes, asked := p.answered[k]
	p.mu.Unlock()
	if asked {
		return yes
	}
	if ctx.Err() != nil {
		return false
	}
	q := fmt.Sprintf("%s asks to read %s. Allow? [y/N] ", orSomeone(actor), wire.CleanText(c, 300))
	if via != "" {
		q = fmt.Sprintf("%s asks to read %s, which leads to %s. Allow? [y/N] ", orSomeone(actor), wire.CleanText(via, 300), wire.CleanText(c, 300))
	}
	yes, err := p.cfg.Ask(ctx, q)
	if err != nil {
		return false // no answer (timeout, no terminal): refused, and asked again next time
	}
	p.mu.Lock()
	p.answered[k] = yes
	p.mu.Unlock()
	return yes
}

// key is how paths compare: case-insensitive on Windows.
func (p *FilePolicy) key(c string) string {
	if p.cfg.GOOS == "windows" {
		return strings.ToLower(c)
	}
	return c
}

func orSomeone(actor string) string {
	if actor == "" {
		return "The technician"
	}
	return actor
}

// unwrapPath drops the *PathError wrapper's operation so the message
// reads "lstat /x: no such file" once, not twice.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// within reports whether c is root or below it. Both are cleaned.
func within(goos, root, c string) bool {
	sep := "/"
	if goos == "windows" {
		sep = `\`
		root, c = strings.ToLower(root), strings.ToLower(c)
	}
	if c == root {
		return true
	}
	return strings.HasPrefix(c, strings.TrimSuffix(root, sep)+sep)
}

// onShare reports whether a clean Windows path is on a mapped network drive.
func onShare(goos, c string) bool {
	return goos == "windows" && len(c) >= 2 && remoteVolume(c[:2])
}

// unixDevices are trees of devices and kernel interfaces, never read.
var unixDevices = []string{"/dev", "/proc", "/sys"}

// CleanPath checks that name is an absolute local path of goos that is not
// a device, a network share or a kernel interface, and returns it
// cleaned. It looks only at the string, never at the file system.
func CleanPath(goos, name string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", ErrPathForm
	}
	if goos == "windows" {
		return cleanWindows(name)
	}
	if !strings.HasPrefix(name, "/") || strings.HasPrefix(name, "//") {
		return "", ErrPathForm // relative, or //host/share
	}
	c := path.Clean(name)
	for _, d := range unixDevices {
		if within("linux", d, c) {
			return "", ErrPathForm
		}
	}
	return c, nil
}

// cleanWindows accepts only drive-letter paths (C:\...) without
// alternate data streams, device names or components Windows would
// silently rewrite (trailing dots or spaces).
func cleanWindows(name string) (string, error) {
	s := strings.ReplaceAll(name, "/", `\`)
	if strings.HasPrefix(s, `\\`) || strings.HasPrefix(s, `\??\`) {
		return "", ErrPathForm // UNC, \\.\ and \\?\ device paths, NT paths
	}
	if len(s) < 3 || !isLetter(s[0]) || s[1] != ':' || s[2] != '\\' {
		return "", ErrPathForm // relative, drive-relative (C:x) or rooted without a drive (\x)
	}
	if strings.ContainsAny(s[2:], `:*?"<>|`) {
		return "", ErrPathForm // alternate data streams, wildcards
	}
	var parts []string
	for _, part := range strings.Split(s[3:], `\`) {
		switch part {
		case "", ".":
			continue
		case "..":
			if len(parts) > 0 {
				parts = parts[:len(parts)-1]
			}
			continue
		}
		if strings.HasSuffix(part, ".") || strings.HasSuffix(part, " ") || windowsDevice(part) {
			return "", ErrPathForm
		}
		parts = append(parts, part)
	}
	return strings.ToUpper(s[:1]) + `:\` + strings.Join(parts, `\`), nil
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// windowsDevice reports whether a path component names a DOS device
// (CON, NUL, COM1, LPT1, ... with or without an extension).
func windowsDevice(part string) bool {
	base := strings.ToUpper(part)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	base = strings.TrimRight(base, " ")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$":
		return true
	}
	for _, dev := range []string{"COM", "LPT"} {
		if rest, ok := strings.CutPrefix(base, dev); ok && utf8.RuneCountInString(rest) == 1 && strings.ContainsAny(rest, "0123456789¹²³") {
			return true
		}
	}
	return false
}

// LogRoots returns the standard log locations of goos, read without asking.
//
//	linux:   /var/log (and the systemd journal, which is not a file)
//	darwin:  /var/log, /Library/Logs, ~/Library/Logs (and the unified log)
//	windows: %SystemRoot%\Logs, %SystemRoot%\System32\LogFiles (and the event log)
func LogRoots(goos string) []string {
	switch goos {
	case "windows":
		sys := os.Getenv("SystemRoot")
		if sys == "" {
			sys = `C:\Windows`
		}
		return []string{sys + `\Logs`, sys + `\System32\LogFiles`}
	case "darwin":
		roots := []string{"/var/log", "/Library/Logs"}
		if home, err := os.UserHomeDir(); err == nil && home != "" {
			roots = append(roots, home+"/Library/Logs")
		}
		return roots
	}
	return []string{"/var/log"}
}

// LogLocations describes LogRoots and the system logs for the consent
// prompt, in the user's words.
func LogLocations(goos string) string {
	switch goos {
	case "windows":
		return "the Windows event log and " + strings.Join(LogRoots(goos), ", ")
	case "darwin":
		return strings.Join(LogRoots(goos), ", ") + " and the unified log"
	case "linux":
		return "/var/log and the systemd journal"
	}
	return strings.Join(LogRoots(goos), ", ")
}

// fileGrant is the decision on one log file the technician named.
type fileGrant struct {
	name     string // as named
	resolved string // the path to open, when allowed
	err      error  // why not
}

// decide authorizes every name in turn; the questions of one run share one
// AskTimeout.
func (p *FilePolicy) decide(ctx context.Context, actor string, names []string, mayAsk bool) []fileGrant {
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.AskTimeout, errors.New("no answer in time"))
	defer cancel()
	out := make([]fileGrant, 0, len(names))
	for _, n := range names {
		r, err := p.Authorize(ctx, actor, n, mayAsk)
		out = append(out, fileGrant{name: n, resolved: r, err: err})
	}
	return out
}

// policy returns the configured FilePolicy or, for a Config that did not
// go through New (tests), the default one.
func (c *Config) policy() *FilePolicy {
	if c.Files != nil {
		return c.Files
	}
	p, _ := NewFilePolicy(FilePolicyConfig{})
	return p
}
