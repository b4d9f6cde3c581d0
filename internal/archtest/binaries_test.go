package archtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxWiringLines bounds a binary's main package: flags, Configs, run,
// signals. Logic belongs in packages that tests import (CONVENTIONS.md,
// "Binaries are wiring only").
const maxWiringLines = 250

// TestBinariesAreWiring counts the lines of the non-test .go files of each
// binary's main package, for every OS.
func TestBinariesAreWiring(t *testing.T) {
	for _, pkg := range []string{"gateway/cmd/tether-gateway", "client/cmd/tether-client"} {
		out, err := exec.Command("go", "list", "-f", `{{.Dir}}|{{join .GoFiles ","}},{{join .IgnoredGoFiles ","}}`, mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		dir, files, _ := strings.Cut(strings.TrimSpace(string(out)), "|")
		total := 0
		for _, f := range strings.Split(files, ",") {
			if f == "" || strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			total += bytes.Count(b, []byte("\n"))
		}
		t.Logf("%s: %d lines", pkg, total)
		if total > maxWiringLines {
			t.Errorf("%s: %d lines of non-test Go, want at most %d: move logic into a package tests can import", pkg, total, maxWiringLines)
		}
	}
}

// TestLoadgenUsesTheAgent keeps the load generator from growing its own copy
// of the client again: it runs client/internal/agent, and speaks SSH or the
// handshake only through it.
func TestLoadgenUsesTheAgent(t *testing.T) {
	const pkg = "client/cmd/tether-loadgen"
	imports := deps(t, pkg, true)
	uses := false
	for _, d := range imports {
		if d == mod+"client/internal/agent" {
			uses = true
		}
		for _, f := range []string{"golang.org/x/crypto/ssh", mod + "internal/wsconn"} {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("%s imports %s: simulated clients run the real agent package, not a copy of its SSH side", pkg, d)
			}
		}
	}
	if !uses {
		t.Errorf("%s does not import client/internal/agent: benchmarks must measure the code users run", pkg)
	}
}
