package wire

import (
	"fmt"
	"slices"
	"strings"
)

// Scope is one permission the end user grants to a session.
type Scope string

// The scopes a technician can ask for. The client refuses every channel whose
// scope the user did not grant.
const (
	ScopeDiagnostics Scope = "diagnostics" // run read-only health checks (tether-diag channel)
	ScopeShell       Scope = "shell"       // open an interactive shell (session channel + pty)
	ScopeScreen      Scope = "screen"      // view the screen (tether-screen channel)
	ScopeControl     Scope = "control"     // send mouse and keyboard input to the screen
	ScopeFiles       Scope = "files"       // collect files into the ticket, send files to Downloads (tether-files channel)
)

// AllScopes lists every scope in the order they are shown to the user.
var AllScopes = []Scope{ScopeDiagnostics, ScopeShell, ScopeScreen, ScopeControl, ScopeFiles}

// Describe returns the sentence shown to the end user for a scope.
func (s Scope) Describe() string {
	switch s {
	case ScopeDiagnostics:
		return "run read-only diagnostics (system, disks, network, logs)"
	case ScopeShell:
		return "open a command shell on this computer as you"
	case ScopeScreen:
		return "see your screen"
	case ScopeControl:
		return "control your mouse and keyboard and use your clipboard"
	case ScopeFiles:
		return "send files to your Downloads folder and collect files you allow (each one asked)"
	}
	return string(s)
}

// Scopes is a set of scopes, kept sorted in AllScopes order and free of duplicates.
type Scopes []Scope

// ParseScopes parses a comma-separated list such as "diagnostics,shell".
// An empty string gives an empty set.
func ParseScopes(s string) (Scopes, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return NewScopes(out)
}

// NewScopes validates names and returns them normalised.
func NewScopes(names []string) (Scopes, error) {
	if len(names) > 16 {
		return nil, fmt.Errorf("too many scopes (%d)", len(names))
	}
	set := Scopes{}
	for _, n := range names {
		sc := Scope(strings.ToLower(strings.TrimSpace(n)))
		if !slices.Contains(AllScopes, sc) {
			return nil, fmt.Errorf("unknown scope %q (want one of diagnostics, shell, screen, control, files)", n)
		}
		if !set.Has(sc) {
			set = append(set, sc)
		}
	}
	return set.normalise(), nil
}

func (s Scopes) normalise() Scopes {
	out := Scopes{}
	for _, a := range AllScopes {
		if slices.Contains(s, a) {
			out = append(out, a)
		}
	}
	return out
}

// Has reports whether sc is in the set.
func (s Scopes) Has(sc Scope) bool { return slices.Contains(s, sc) }

// Intersect returns the scopes present in both sets.
func (s Scopes) Intersect(o Scopes) Scopes {
	out := Scopes{}
	for _, a := range s {
		if o.Has(a) {
			out = append(out, a)
		}
	}
	return out.normalise()
}

// SubsetOf reports whether every scope of s is also in o.
func (s Scopes) SubsetOf(o Scopes) bool {
	for _, a := range s {
		if !o.Has(a) {
			return false
		}
	}
	return true
}

// Strings returns the names.
func (s Scopes) Strings() []string {
	out := make([]string, len(s))
	for i, a := range s {
		out[i] = string(a)
	}
	return out
}

// String returns the comma-separated form accepted by ParseScopes.
func (s Scopes) String() string { return strings.Join(s.Strings(), ",") }
