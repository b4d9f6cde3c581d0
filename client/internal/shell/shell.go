// Package shell runs the end user's shell on a pseudo-terminal for a
// technician. It knows nothing about SSH or the network: it is a process
// with a terminal that can be read, written, resized and ended.
package shell

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

// Config describes the shell to start.
type Config struct {
	// Shell is the program to run; "" means DefaultShell().
	Shell string
	// Args are extra arguments after the program name.
	Args []string
	// Term is the TERM value the viewer's terminal emulates; default "xterm-256color".
	Term string
	// Cols and Rows are the initial size; defaults 80×24.
	Cols, Rows int
	// Dir is the working directory; "" means the user's home directory.
	Dir string
	// Env is added to the current environment.
	Env []string
}

func (c *Config) setDefaults() {
	if c.Shell == "" {
		c.Shell = DefaultShell()
	}
	if c.Term == "" {
		c.Term = "xterm-256color"
	}
	if c.Cols <= 0 || c.Cols > 1000 {
		c.Cols = 80
	}
	if c.Rows <= 0 || c.Rows > 1000 {
		c.Rows = 24
	}
	if c.Dir == "" {
		if h, err := os.UserHomeDir(); err == nil {
			c.Dir = h
		}
	}
}

// DefaultShell returns the user's login shell: $SHELL, else /bin/bash or
// /bin/sh. On Windows it is PowerShell when present, else cmd.exe (see
// windowsShell).
func DefaultShell() string {
	if runtime.GOOS == "windows" {
		return defaultWindowsShell()
	}
	if s := os.Getenv("SHELL"); s != "" {
		return s
	}
	for _, s := range []string{"/bin/bash", "/bin/sh"} {
		if _, err := os.Stat(s); err == nil {
			return s
		}
	}
	return "/bin/sh"
}

// closeGrace is how long Close lets a hung-up shell end by itself.
const closeGrace = 2 * time.Second

// ErrClosed is returned by Write after the shell ended.
var ErrClosed = errors.New("shell: closed")

// Shell is a running shell on a terminal.
type Shell struct {
	term terminal
	proc process

	waitOnce sync.Once
	waitDone chan struct{}
	exitCode int
	waitErr  error
}

// terminal is what the OS-specific pty gives us: a pty master on Unix, the
// pipe ends of a pseudo console (ConPTY) on Windows.
type terminal interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Resize(cols, rows int) error
	Close() error
}

// process is the shell process running on the terminal, with everything it
// started.
type process interface {
	// wait blocks until the shell exits and returns its exit status; err is
	// set only when the status could not be read.
	wait() (exitCode int, err error)
	// hangup asks the shell and its children to end: SIGHUP to the process
	// group on Unix, closing the pseudo console (CTRL_CLOSE_EVENT) on Windows.
	hangup()
	// kill ends the shell and everything it started, without asking.
	kill()
}

// Start starts the shell.
func Start(cfg Config) (*Shell, error) {
	cfg.setDefaults()
	env := append(os.Environ(), "TERM="+cfg.Term, "TETHER_SESSION=1")
	env = append(env, cfg.Env...)
	term, proc, err := startProcess(cfg, env)
	if err != nil {
		return nil, fmt.Errorf("shell: start %s: %w", cfg.Shell, err)
	}
	s := &Shell{term: term, proc: proc, waitDone: make(chan struct{})}
	go s.wait()
	return s, nil
}

func (s *Shell) wait() {
	s.exitCode, s.waitErr = s.proc.wait()
	if s.waitErr != nil {
		s.exitCode = -1
	}
	close(s.waitDone)
}

// Read reads terminal output. It returns an error (io.EOF or EIO) once the
// shell has exited and its output is drained.
func (s *Shell) Read(p []byte) (int, error) { return s.term.Read(p) }

// Write sends keystrokes to the terminal.
func (s *Shell) Write(p []byte) (int, error) { return s.term.Write(p) }

// Resize changes the terminal size.
func (s *Shell) Resize(cols, rows int) error {
	if cols <= 0 || rows <= 0 || cols > 1000 || rows > 1000 {
		return fmt.Errorf("shell: bad size %dx%d", cols, rows)
	}
	return s.term.Resize(cols, rows)
}

// Done is closed when the process has exited.
func (s *Shell) Done() <-chan struct{} { return s.waitDone }

// ExitCode waits for the process and returns its exit status.
func (s *Shell) ExitCode() int {
	<-s.waitDone
	return s.exitCode
}

// Close ends the shell: it hangs up (SIGHUP to the process group, or closes
// the pseudo console on Windows), kills everything after a grace period,
// then closes the terminal. It waits for the process to be reaped.
func (s *Shell) Close() error {
	s.waitOnce.Do(func() {
		select {
		case <-s.waitDone:
		default:
			s.proc.hangup()
			t := time.NewTimer(closeGrace)
			select {
			case <-s.waitDone:
			case <-t.C:
				s.proc.kill()
				<-s.waitDone
			}
			t.Stop()
		}
		_ = s.term.Close()
	})
	return nil
}
