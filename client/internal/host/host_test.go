package host

import (
	"context"
	"testing"
	"time"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/diag"
	"github.com/tetherhq/tether/internal/wire"
)

func TestAvailable(t *testing.T) {
	for _, sc := range []wire.Scope{wire.ScopeShell, wire.ScopeDiagnostics} {
		if ok, why := Available(sc); !ok {
			t.Errorf("Available(%s) = false (%s), want true: every machine can offer it", sc, why)
		}
	}
}

// Diag runs the diag package's checks and reports each finished one
// through the agent's Emit.
func TestDiagEmitsEachCheck(t *testing.T) {
	files, err := diag.NewFilePolicy(diag.FilePolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	h := Diag("127.0.0.1:1", files)
	if h == nil {
		t.Fatal("Diag returned no handler")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var emitted []string
	results := h(ctx, wire.DiagRequest{Checks: []string{"system"}}, agent.DiagRun{
		Actor:  "Alice",
		Emit:   func(r wire.DiagResult) { emitted = append(emitted, r.Name) },
		Access: func(string) {},
	})
	if len(results) != 1 || results[0].Name != "system" {
		t.Fatalf("results: got %+v, want the system check", results)
	}
	if len(emitted) != 1 || emitted[0] != "system" {
		t.Errorf("emitted: got %v, want [system]", emitted)
	}
}
