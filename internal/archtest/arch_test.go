// Package archtest checks the layering rules of ARCHITECTURE.md with the go
// tool itself: what a package may import is a design decision, and a test
// keeps it from eroding one convenient import at a time.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/tetherhq/tether/"

// deps returns the packages pkg imports: directly, or transitively.
func deps(t *testing.T, pkg string, direct bool) []string {
	t.Helper()
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}", mod + pkg}
	if direct {
		args = []string{"list", "-f", `{{join .Imports "\n"}}`, mod + pkg}
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func TestLayering(t *testing.T) {
	rules := []struct {
		pkg       string
		direct    bool     // only the package's own imports, not its dependencies'
		forbidden []string // import path prefixes
		why       string
	}{
		{"client/cmd/tether-client", false, []string{mod + "gateway/", "modernc.org/sqlite", "github.com/pion/", "github.com/golang-jwt/"},
			"the client binary ships to end users: no gateway code, database or WebRTC stack in it"},
		{"gateway/internal/store", false, []string{"net/http", mod + "gateway/internal/api", mod + "gateway/internal/broker"},
			"the store does not know HTTP or live sessions"},
		{"gateway/internal/broker", true, []string{mod + "gateway/internal/api", "database/sql", mod + "webui", "net/http"},
			"the broker knows neither HTTP nor SQL: it accepts a WebSocket the api package upgraded"},
		{"gateway/internal/api", true, []string{"golang.org/x/crypto/ssh", "github.com/pion/", "database/sql"},
			"the api handles HTTP only: SSH channels stay in the broker, WebRTC in rtc, SQL in the store"},
		{"gateway/internal/term", true, []string{"net/http", "github.com/gorilla/websocket", "golang.org/x/crypto/ssh", "database/sql"},
			"the terminal bridge works over small interfaces, testable with pipes: no HTTP, WebSocket, SSH or SQL"},
		{"gateway/internal/screen", true, []string{"net/http", "github.com/gorilla/websocket", "golang.org/x/crypto/ssh", "database/sql"},
			"the screen feed gets a broker.ScreenStream and a Conn: it knows neither HTTP, WebSockets, SSH nor SQL"},
		{"gateway/internal/recording", true, []string{"net/http", "github.com/gorilla/websocket", "golang.org/x/crypto/ssh", "database/sql", "github.com/pion/"},
			"the recorder service writes files, rows and seals through small interfaces"},
		{"gateway/internal/recorder", false, []string{"net/http", "database/sql", "golang.org/x/crypto/ssh"},
			"the recorder only writes bytes"},
		{"internal/wire", false, []string{mod + "gateway/", mod + "client/", "net/http"},
			"the protocol package is shared and depends on nothing of either side"},
	}
	for _, r := range rules {
		for _, d := range deps(t, r.pkg, r.direct) {
			for _, f := range r.forbidden {
				if d == f || strings.HasPrefix(d, f) {
					t.Errorf("%s depends on %s: %s", r.pkg, d, r.why)
				}
			}
		}
	}
}

// TestStoreBackend keeps the choice of database in one place: only the
// SQLite package itself and the gateway wiring that opens it (package
// server) may import it or its driver. Everything else takes the small
// interfaces it declares, so a second backend plugs in without touching it.
func TestStoreBackend(t *testing.T) {
	allowed := map[string]bool{
		mod + "gateway/internal/store/sqlite": true,
		mod + "gateway/internal/server":       true,
	}
	forbidden := []string{mod + "gateway/internal/store/sqlite", "modernc.org/sqlite"}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list %s...: %v", mod, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || allowed[f[0]] {
			continue
		}
		for _, imp := range f[1:] {
			for _, bad := range forbidden {
				if imp == bad || strings.HasPrefix(imp, bad+"/") {
					t.Errorf("%s imports %s: only the server wiring opens the SQLite store; take a consumer-defined interface instead", f[0], imp)
				}
			}
		}
	}
}
