//go:build !windows

package shell

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"github.com/creack/pty"
)

type unixTerminal struct{ f *os.File }

// startProcess runs cfg.Shell on a new pty. Linux and macOS share this path.
func startProcess(cfg Config, env []string) (terminal, process, error) {
	cmd := exec.Command(cfg.Shell, cfg.Args...)
	cmd.Dir = cfg.Dir
	cmd.Env = env
	term, err := startTerminal(cmd, cfg.Cols, cfg.Rows)
	if err != nil {
		return nil, nil, err
	}
	return term, unixProcess{cmd}, nil
}

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

// unixProcess is the shell, leader of its own session and process group.
type unixProcess struct{ cmd *exec.Cmd }

func (p unixProcess) wait() (int, error) {
	err := p.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		return ee.ExitCode(), nil
	}
	return -1, err
}

func (p unixProcess) hangup() { hangup(p.cmd) }

func (p unixProcess) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	killGroup(p.cmd)
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
