package diag

import (
	"fmt"

	"github.com/tetherhq/tether/internal/wire"
)

// AccessKind says what a run did outside the process.
type AccessKind string

// Access kinds, reported through Options.Access as they happen.
const (
	AccessRead    AccessKind = "read"    // a log file or system log is being read
	AccessRefused AccessKind = "refused" // a named file was not read (Detail says why)
	AccessContact AccessKind = "contact" // a host is being contacted (connectivity)
	AccessLookup  AccessKind = "lookup"  // a name is being resolved (dns)
)

// Access is one file read or refused, one host contacted or name looked up.
// Target is the technician's text: clean it before it reaches a terminal.
type Access struct {
	Kind   AccessKind
	Target string // path, host:port, URL, name, or "the system journal"
	Detail string // for AccessRefused: the reason
}

// String is the line shown to the user: "reading /var/log/syslog".
func (a Access) String() string {
	switch a.Kind {
	case AccessRead:
		return "reading " + a.Target
	case AccessRefused:
		return fmt.Sprintf("refused to read %s (%s)", a.Target, a.Detail)
	case AccessContact:
		return "contacting " + a.Target
	case AccessLookup:
		return "looking up " + a.Target
	}
	return string(a.Kind) + " " + a.Target
}

// note reports a to the run's Access hook, if any.
func (in *input) note(a Access) {
	if in.access != nil {
		in.access(a)
	}
}

// maxHosts is the bound on targets and names, also for a Config that did
// not go through New (tests).
func (c *Config) maxHosts() int {
	if c.MaxHosts <= 0 || c.MaxHosts > wire.MaxDiagHosts {
		return wire.MaxDiagHosts
	}
	return c.MaxHosts
}
