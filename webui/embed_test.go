package webui

import (
	"io/fs"
	"strings"
	"testing"
)

// TestDistIsBuilt fails when the gateway would ship without its web UI.
func TestDistIsBuilt(t *testing.T) {
	ui, ok := Dist()
	if !ok {
		t.Fatal("webui/dist has no index.html: run make build")
	}
	idx, err := fs.ReadFile(ui, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(idx), `src="/assets/`) {
		t.Errorf("index.html does not load the built bundle from /assets/:\n%s", idx)
	}
	if strings.Contains(string(idx), "<script>") {
		t.Error("index.html has an inline script, which the CSP forbids")
	}
	assets, err := fs.ReadDir(ui, "assets")
	if err != nil || len(assets) == 0 {
		t.Errorf("webui/dist/assets is empty or missing: %v", err)
	}
}
