package agent

import (
	"io"

	"github.com/tetherhq/tether/client/internal/shell"
)

// Shell is what a technician's shell channel runs on: *shell.Shell (a
// program on a pty) in the client, or a stand-in from Config.StartShell.
// The agent copies the channel into it and its output back, resizes it on
// window-change, reports its echo state to the gateway, and sends the exit
// status once Read fails.
type Shell interface {
	io.ReadWriter
	// Resize changes the terminal size.
	Resize(cols, rows int) error
	// Echo reports the terminal's echo state now; shell.EchoUnknown sends
	// no echo notices (the gateway then treats input as hidden).
	Echo() shell.Echo
	// Done is closed when the program has exited.
	Done() <-chan struct{}
	// ExitCode waits for the program and returns its exit status.
	ExitCode() int
	// Close ends the program and releases the terminal; it is called
	// once the channel is done, also after the program exited.
	Close() error
}

var _ Shell = (*shell.Shell)(nil)

// startShell starts the shell of one "shell" request: Config.StartShell,
// or a program on a pty.
func (c *Config) startShell(sc shell.Config) (Shell, error) {
	if c.StartShell != nil {
		return c.StartShell(sc)
	}
	sh, err := shell.Start(sc)
	if err != nil {
		return nil, err // not a nil *shell.Shell in a non-nil Shell
	}
	return sh, nil
}
