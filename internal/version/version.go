// Package version holds the build's version, set at link time by the
// Makefile: -ldflags "-X github.com/tetherhq/tether/internal/version.Version=v0.1.0".
package version

import "runtime"

// Version is the release version; "dev" for untagged builds.
var Version = "dev"

// Commit is the git commit the build came from, when known.
var Commit = ""

// String returns "Version (commit, go version)".
func String() string {
	s := Version
	if Commit != "" {
		s += " (" + Commit + ", " + runtime.Version() + ")"
	}
	return s
}
