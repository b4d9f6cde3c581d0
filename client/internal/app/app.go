// Package app runs one tether-client session in one of its two faces: the
// consent window (a local page in the browser; the double-click start) or
// the terminal (questions and commands as text lines). The binary only
// parses its arguments and calls Window or Terminal.
package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/consent"
	"github.com/tetherhq/tether/client/internal/diag"
	"github.com/tetherhq/tether/internal/version"
	"github.com/tetherhq/tether/internal/wire"
)

// Options are what the command line said.
type Options struct {
	// Join is where to connect; nil in window mode means: the code in the
	// file name (Self) with the baked gateway, else the code the user types.
	Join *wire.Join
	// Accept is --accept: consent given on the command line (terminal
	// mode only); nil asks.
	Accept wire.Scopes
	// AllowFiles are --allow-file paths diagnostics may read.
	AllowFiles []string
	// MaxFileSize is --max-file-size: the bound on one file transfer (0: default).
	MaxFileSize int64
	// Verbose logs connection details to Stderr.
	Verbose bool
	// Self is the executable's path as started (os.Args[0]), which may
	// hold the invite code (tether-client-K7QF3MZPXW9DHT2A-linux-amd64).
	Self string

	Stdin          io.Reader
	Stdout, Stderr io.Writer

	// Open opens the window's link (tests); default: the user's browser.
	Open func(url string) error
	// Linger is how long the window stays up after the session ended for
	// the user to rate; default 10 minutes. It closes earlier once rated
	// or when the page is closed.
	Linger time.Duration
}

func (o *Options) log() *slog.Logger {
	if o.Verbose {
		return slog.New(slog.NewTextHandler(o.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

// diagDetails are the concrete lines shown under "diagnostics".
func diagDetails(interactive bool, allowFiles []string) map[wire.Scope][]string {
	return map[wire.Scope][]string{wire.ScopeDiagnostics: consent.DiagnosticsDetails(
		diag.LogLocations(runtime.GOOS), wire.MaxDiagHosts, interactive, allowFiles)}
}

// outcome turns agent.Run's result into the sentence the user reads and the
// exit code.
func outcome(err error, lastEnded string) (string, int) {
	switch {
	case err == nil:
		if lastEnded != "" {
			return lastEnded, 0
		}
		return "The session has ended.", 0
	case errors.Is(err, agent.ErrDeclined):
		return "You declined. Nothing was shared.", 0
	case errors.Is(err, agent.ErrEndedByUser):
		return "Session ended by you.", 0
	}
	return fmt.Sprintf("The session could not continue: %v.", err), 1
}

// baseConfig is the agent configuration both faces share.
func baseConfig(j wire.Join, log *slog.Logger) agent.Config {
	return agent.Config{Join: j, Version: version.Version, Log: log}
}

func stamp() string { return time.Now().Format("15:04:05") }
