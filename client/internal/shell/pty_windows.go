//go:build windows

package shell

import (
	"errors"
	"os/exec"
)

// A Windows shell needs ConPTY; it is built in a later change (issue 8).
func startTerminal(cmd *exec.Cmd, cols, rows int) (terminal, error) {
	return nil, errors.New("interactive shells are not supported on Windows yet")
}

func hangup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

func killGroup(cmd *exec.Cmd) {}

func defaultWindowsShell() string { return "powershell.exe" }
