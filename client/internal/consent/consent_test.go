package consent

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

func offer() wire.Offer {
	return wire.Offer{Technician: "Alice", Ticket: wire.Ticket{ID: 7, Title: "VPN drops"}, Scopes: []string{"diagnostics", "shell"},
		ExpiresAt: time.Unix(1000, 0)}
}

func TestAskScopeByScope(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string
		wantErr error
	}{
		{"both", "y\nyes\n", "diagnostics,shell", nil},
		{"only shell", "n\ny\n", "shell", nil},
		{"retry on junk", "maybe\ny\nn\n", "diagnostics", nil},
		{"none", "\n\n", "", ErrDeclined},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &Prompt{In: strings.NewReader(tt.input), Out: &out, Now: func() time.Time { return time.Unix(100, 0) }}
			got, err := p.Ask(context.Background(), offer())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err: got %v, want %v", err, tt.wantErr)
			}
			if got.String() != tt.want {
				t.Errorf("granted: got %q, want %q", got, tt.want)
			}
			for _, s := range []string{"Alice", "#7", "VPN drops", "15m0s", "open a command shell"} {
				if !strings.Contains(out.String(), s) {
					t.Errorf("prompt does not show %q:\n%s", s, out.String())
				}
			}
		})
	}
}

func TestPresetGrantsOnlyWhatWasAsked(t *testing.T) {
	var out bytes.Buffer
	p := &Prompt{In: strings.NewReader(""), Out: &out, Preset: wire.Scopes{wire.ScopeShell, wire.ScopeScreen}}
	got, err := p.Ask(context.Background(), offer())
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "shell" {
		t.Errorf("granted: got %q, want shell", got)
	}
	if !strings.Contains(out.String(), `"screen", which was not asked`) {
		t.Errorf("no note about the unasked scope:\n%s", out.String())
	}
}

func TestEOFWithoutAnswer(t *testing.T) {
	p := &Prompt{In: strings.NewReader(""), Out: &bytes.Buffer{}}
	if _, err := p.Ask(context.Background(), offer()); err == nil || !strings.Contains(err.Error(), "--accept") {
		t.Fatalf("got %v, want an error that suggests --accept", err)
	}
}

func TestUnavailableScopesAreNeverGranted(t *testing.T) {
	o := wire.Offer{Technician: "Alice", Ticket: wire.Ticket{ID: 7, Title: "x"}, Scopes: []string{"shell", "screen", "control"}}
	noScreen := func(sc wire.Scope) (bool, string) {
		if sc == wire.ScopeScreen || sc == wire.ScopeControl {
			return false, "no display"
		}
		return true, ""
	}
	var out bytes.Buffer
	p := &Prompt{Out: &out, Preset: wire.Scopes{wire.ScopeShell, wire.ScopeScreen}, Available: noScreen}
	got, err := p.Ask(context.Background(), o)
	if err != nil || got.String() != "shell" {
		t.Fatalf("preset: got %q, %v; want shell only", got, err)
	}
	if !strings.Contains(out.String(), "cannot be offered on this computer: no display") {
		t.Errorf("the reason is not shown:\n%s", out.String())
	}
	// Interactive: only the available scope is asked about.
	out.Reset()
	p = &Prompt{In: strings.NewReader("y\n"), Out: &out, Available: noScreen}
	got, err = p.Ask(context.Background(), o)
	if err != nil || got.String() != "shell" {
		t.Fatalf("interactive: got %q, %v; want shell", got, err)
	}
	if strings.Count(out.String(), "? [y/N]") != 1 {
		t.Errorf("asked %d questions, want 1:\n%s", strings.Count(out.String(), "? [y/N]"), out.String())
	}
}

func TestPromptSaysWhatDiagnosticsRead(t *testing.T) {
	tests := []struct {
		name        string
		interactive bool
		allow       []string
		want        []string
	}{
		{"asked on the terminal", true, nil, []string{"only if you say yes when asked"}},
		{"--accept", false, nil, []string{"reads no other file (to allow one, start with --allow-file PATH)"}},
		{"--accept --allow-file", false, []string{"/home/u/app.log"}, []string{"reads /home/u/app.log (--allow-file) and no other file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &Prompt{In: strings.NewReader(""), Out: &out, Preset: wire.Scopes{wire.ScopeDiagnostics},
				Details: map[wire.Scope][]string{wire.ScopeDiagnostics: DiagnosticsDetails("/var/log and the systemd journal", 8, tt.interactive, tt.allow)}}
			if _, err := p.Ask(context.Background(), offer()); err != nil {
				t.Fatal(err)
			}
			want := append([]string{"reads system facts", "reads logs from /var/log and the systemd journal",
				"never reads devices, network shares or relative paths", "contacts at most 8 hosts", "shown here as it is used"}, tt.want...)
			for _, s := range want {
				if !strings.Contains(out.String(), s) {
					t.Errorf("prompt does not say %q:\n%s", s, out.String())
				}
			}
		})
	}
}
