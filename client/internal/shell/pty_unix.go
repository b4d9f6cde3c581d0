//go:build !windows

package shell

import (
	"os"
	"os/exec"
	"syscall"

	"github.com/creack/pty"
)

type unixTerminal struct{ f *os.File }

func startTerminal(cmd *exec.Cmd, cols, rows int) (terminal, error) {
	// pty.StartWithSize puts the shell in a new session (Setsid) with the pty
	// as its controlling terminal, so SIGHUP reaches the whole job tree.
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		return nil, err
	}
	return &unixTerminal{f: f}, nil
}

func (t *unixTerminal) Read(p []byte) (int, error)  { return t.f.Read(p) }
func (t *unixTerminal) Write(p []byte) (int, error) { return t.f.Write(p) }
func (t *unixTerminal) Close() error                { return t.f.Close() }
func (t *unixTerminal) Resize(cols, rows int) error {
	return pty.Setsize(t.f, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
}

func hangup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGHUP)
	}
}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

func defaultWindowsShell() string { return "" }
