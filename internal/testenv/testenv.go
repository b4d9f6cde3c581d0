// Package testenv decides what a test does when its environment lacks
// something it needs (a tool, a display, a kernel feature). On a developer's
// machine it is skipped with the reason; in CI (CI=true, which .ci/run sets)
// it fails, so a missing package on the CI machine turns the run red instead
// of quietly testing less. Only tests import this package.
package testenv

import (
	"os"
	"testing"
)

// InCI reports whether the tests run in CI: the environment variable CI is
// "true", as .ci/run and most CI services set it.
func InCI() bool { return os.Getenv("CI") == "true" }

// SkipOrFail skips the test with reason, or fails it in CI. Tests that are
// skipped by explicit opt-in (the soak test without TETHER_SOAK) call t.Skip
// themselves: they are not meant to run by default anywhere.
func SkipOrFail(tb testing.TB, reason string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("%s (CI=true: a test that cannot run here fails the run instead of being skipped)", reason)
	}
	tb.Skip(reason)
}
