// Package host provides what this computer serves to a technician through
// the agent, as tether-client wires it: diagnostics with the package diag's
// checks under the user's file policy, and the screen of $DISPLAY, and
// whether this machine can offer a scope at all. It keeps the binary to
// wiring and is importable by tests.
package host

import (
	"context"
	"io"
	"log"
	"os"

	"github.com/jezek/xgb"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/diag"
	"github.com/tetherhq/tether/client/internal/screen"
	"github.com/tetherhq/tether/internal/wire"
)

// Available says whether this computer can provide a scope: screen view
// and control need a display this client can capture and drive.
func Available(sc wire.Scope) (bool, string) {
	switch sc {
	case wire.ScopeScreen:
		return screen.Supported()
	case wire.ScopeControl:
		return screen.ControlSupported()
	}
	return true, ""
}

// Diag runs diagnostics with the diag package's defaults, reading
// only the log files files allows. The gateway's own address is probed by
// the connectivity check by default. Every file read and host contacted is
// shown on the user's terminal through run.Access.
func Diag(gateway string, files *diag.FilePolicy) agent.DiagHandler {
	r, err := diag.New(diag.Config{DefaultTargets: []string{gateway}, Files: files})
	if err != nil {
		return nil
	}
	return func(ctx context.Context, req wire.DiagRequest, run agent.DiagRun) []wire.DiagResult {
		return r.RunWith(ctx, req, diag.Options{Emit: run.Emit, Actor: run.Actor,
			Access: func(a diag.Access) { run.Access(a.String()) }})
	}
}

// Screen captures this machine's display ($DISPLAY on X11).
func Screen() agent.ScreenHandler {
	// The X11 library logs to stderr, which is the user's terminal: keep it quiet.
	xgb.Logger = log.New(io.Discard, "", 0)
	return func(ctx context.Context, ch io.ReadWriteCloser, withControl bool, allowed func() bool) error {
		display := os.Getenv("DISPLAY")
		capt, err := screen.Open(display)
		if err != nil {
			ch.Close()
			return err
		}
		defer capt.Close()
		var inj screen.Injector
		if withControl {
			if inj, err = screen.OpenInjector(display); err == nil {
				defer inj.Close()
			} else {
				inj = nil
			}
		}
		return screen.Serve(ctx, ch, screen.ServeConfig{
			// Up to 30 frames a second: a moving window stays smooth; a still
			// screen costs only the tile comparison (no frames are sent).
			Streamer: screen.StreamerConfig{Capturer: capt, FPS: screen.MaxFPS},
			Injector: inj, Control: allowed, Display: display,
			Clipboard: clipboardFor(ctx, display),
		})
	}
}

// clipboardFor is the screen's clipboard under the rights the agent gave
// the channel (nil outside an agent's screen channel).
func clipboardFor(ctx context.Context, display string) *screen.ClipboardConfig {
	rights := agent.ScreenClipboardFrom(ctx)
	if rights == nil {
		return nil
	}
	return &screen.ClipboardConfig{
		Open: func(onRead func(screen.ClipboardRead)) (screen.Clipboard, error) {
			return screen.OpenClipboard(display, onRead)
		},
		Allowed: rights.Allowed, Notify: rights.Notify,
	}
}
