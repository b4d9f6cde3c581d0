// Package runbook holds named diagnostics presets: which checks to run and
// with what parameters for a common complaint ("slow computer", "no
// internet"). Five defaults are embedded; an operator adds or replaces
// runbooks with *.json files in a directory, one runbook per file, in the
// format documented in docs/diagnostics.md. Every runbook is validated by
// the same rules as a technician's request (wire.ParseDiagRequest), so a
// runbook can never ask for more than a technician could.
package runbook

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/tetherhq/tether/internal/wire"
)

// Limits on operator runbook files.
const (
	MaxFileSize = 64 << 10 // bytes in one runbook file
	MaxRunbooks = 200      // runbooks in a directory
	maxTitle    = 100
	maxDesc     = 1000
)

// Runbook is one named preset.
type Runbook struct {
	// Name identifies the runbook in the API and UI: lower-case letters,
	// digits and dashes, 1-64 characters.
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Checks to run; empty means the default sweep of every check.
	Checks []string `json:"checks,omitempty"`
	// Params are the runbook's parameters; the technician's are merged in
	// by Request.
	Params wire.DiagParams `json:"params"`
}

// List is a set of runbooks sorted by name.
type List []Runbook

//go:embed defaults/*.json
var defaultFiles embed.FS

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Defaults returns the embedded runbooks.
func Defaults() (List, error) {
	m, err := loadFS(defaultFiles, "defaults")
	if err != nil {
		return nil, fmt.Errorf("runbook: embedded defaults: %w", err)
	}
	return sorted(m), nil
}

// Load returns the embedded defaults with the runbooks in dir's *.json
// files merged over them: a file whose name field matches a default
// replaces it, others are added. An empty dir, or one that does not exist,
// gives the defaults alone. Any invalid file is an error naming it.
func Load(dir string) (List, error) {
	m, err := loadFS(defaultFiles, "defaults")
	if err != nil {
		return nil, fmt.Errorf("runbook: embedded defaults: %w", err)
	}
	if dir == "" {
		return sorted(m), nil
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return sorted(m), nil
	}
	extra, err := loadFS(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("runbook: load %s: %w", dir, err)
	}
	for name, rb := range extra {
		m[name] = rb
	}
	return sorted(m), nil
}

func loadFS(fsys fs.FS, dir string) (map[string]Runbook, error) {
	paths, err := fs.Glob(fsys, filepath.ToSlash(filepath.Join(dir, "*.json")))
	if err != nil {
		return nil, err
	}
	if len(paths) > MaxRunbooks {
		return nil, fmt.Errorf("too many runbook files (%d, max %d)", len(paths), MaxRunbooks)
	}
	out := map[string]Runbook{}
	from := map[string]string{}
	for _, p := range paths {
		b, err := readBounded(fsys, p)
		if err != nil {
			return nil, err
		}
		rb, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if prev, dup := from[rb.Name]; dup {
			return nil, fmt.Errorf("%s: runbook %q is also defined in %s", p, rb.Name, prev)
		}
		from[rb.Name] = p
		out[rb.Name] = rb
	}
	return out, nil
}

func readBounded(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", p)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, MaxFileSize)
	}
	return b, nil
}

// Parse decodes and validates one runbook file.
func Parse(b []byte) (Runbook, error) {
	var rb Runbook
	if len(b) > MaxFileSize {
		return rb, fmt.Errorf("runbook larger than %d bytes", MaxFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rb); err != nil {
		return Runbook{}, fmt.Errorf("bad runbook JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Runbook{}, errors.New("bad runbook JSON: trailing data after the object")
	}
	if !validName.MatchString(rb.Name) {
		return Runbook{}, fmt.Errorf("runbook name %q: want 1-64 lower-case letters, digits and dashes", wire.CleanText(rb.Name, 80))
	}
	rb.Title = wire.CleanText(rb.Title, maxTitle)
	if rb.Title == "" {
		return Runbook{}, fmt.Errorf("runbook %q has no title", rb.Name)
	}
	rb.Description = wire.CleanText(rb.Description, maxDesc)
	req, err := validate(wire.DiagRequest{Checks: rb.Checks, Params: rb.Params})
	if err != nil {
		return Runbook{}, fmt.Errorf("runbook %q: %w", rb.Name, err)
	}
	rb.Checks, rb.Params = req.Checks, req.Params
	return rb, nil
}

// validate passes req through the wire rules, so runbooks obey exactly the
// limits a technician's request does.
func validate(req wire.DiagRequest) (wire.DiagRequest, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return req, err
	}
	return wire.ParseDiagRequest(b)
}

// Find returns the runbook called name.
func (l List) Find(name string) (Runbook, bool) {
	i := sort.Search(len(l), func(i int) bool { return l[i].Name >= name })
	if i < len(l) && l[i].Name == name {
		return l[i], true
	}
	return Runbook{}, false
}

// Request builds the diagnostics request for this runbook with the
// technician's parameters merged in: their targets, names and log files are
// added to the runbook's (duplicates dropped) and their since, when set,
// wins. The result is validated by the wire rules.
func (rb Runbook) Request(extra wire.DiagParams) (wire.DiagRequest, error) {
	p := wire.DiagParams{
		Targets:  merge(rb.Params.Targets, extra.Targets),
		Names:    merge(rb.Params.Names, extra.Names),
		LogFiles: merge(rb.Params.LogFiles, extra.LogFiles),
		Since:    rb.Params.Since,
	}
	if strings.TrimSpace(extra.Since) != "" {
		p.Since = extra.Since
	}
	req, err := validate(wire.DiagRequest{Checks: append([]string(nil), rb.Checks...), Params: p})
	if err != nil {
		return wire.DiagRequest{}, fmt.Errorf("runbook %s: %w", rb.Name, err)
	}
	return req, nil
}

func merge(a, b []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range append(append([]string(nil), a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func sorted(m map[string]Runbook) List {
	l := make(List, 0, len(m))
	for _, rb := range m {
		l = append(l, rb)
	}
	sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	return l
}
