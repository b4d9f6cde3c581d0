//go:build linux

package screen

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// silentDisplay returns an X display name nobody serves: outside the ranges
// the Xvfb-based tests use (:90-:200), with no lock file and no socket.
func silentDisplay(t *testing.T) string {
	t.Helper()
	for n := 201; n < 300; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil || displayInUse(n) {
			continue
		}
		return fmt.Sprintf(":%d.0", n)
	}
	t.Fatal("every X display in :201-:299 is in use")
	return ""
}

func TestSupportedRefusesWithoutADisplay(t *testing.T) {
	tests := []struct {
		name, display, wayland string
		wantReason             string
	}{
		{"no graphical session", "", "", "DISPLAY is not set"},
		{"Wayland without XWayland", "", "wayland-0", "Wayland"},
		{"display that does not answer", silentDisplay(t), "", "cannot be captured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DISPLAY", tt.display)
			t.Setenv("WAYLAND_DISPLAY", tt.wayland)
			for name, f := range map[string]func() (bool, string){"Supported": Supported, "ControlSupported": ControlSupported} {
				ok, reason := f()
				if ok || !strings.Contains(reason, tt.wantReason) {
					t.Errorf("%s: got (%v, %q), want (false, reason containing %q)", name, ok, reason, tt.wantReason)
				}
			}
		})
	}
}

func TestSupportedOnXvfb(t *testing.T) {
	display := startXvfb(t, 320, 200)
	t.Setenv("DISPLAY", display)
	if ok, reason := Supported(); !ok {
		t.Errorf("Supported on Xvfb: got (false, %q), want true", reason)
	}
	if ok, reason := ControlSupported(); !ok {
		t.Errorf("ControlSupported on Xvfb (XTEST): got (false, %q), want true", reason)
	}
}

func TestReasonForUnsupported(t *testing.T) {
	got := reasonFor(ErrUnsupported)
	if !strings.Contains(got, "not available on Linux") {
		t.Errorf("reasonFor(ErrUnsupported): got %q, want it to name the platform", got)
	}
}
