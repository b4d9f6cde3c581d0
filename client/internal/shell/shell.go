// Package shell runs the end user's shell on a pseudo-terminal for a
// technician. It knows nothing about SSH or the network: it is a process
// with a terminal that can be read, written, resized and ended.
package shell

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
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
// /bin/sh (on Windows: see shell_windows.go).
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

// ErrClosed is returned by Write after the shell ended.
var ErrClosed = errors.New("shell: closed")

// Shell is a running shell on a terminal.
type Shell struct {
	term terminal
	cmd  *exec.Cmd

	waitOnce sync.Once
	waitDone chan struct{}
	exitCode int
	waitErr  error
}

// terminal is what the OS-specific pty gives us.
type terminal interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Resize(cols, rows int) error
	Close() error
}

// Start starts the shell.
func Start(cfg Config) (*Shell, error) {
	cfg.setDefaults()
	cmd := exec.Command(cfg.Shell, cfg.Args...)
	cmd.Dir = cfg.Dir
	cmd.Env = append(os.Environ(), "TERM="+cfg.Term, "TETHER_SESSION=1")
	cmd.Env = append(cmd.Env, cfg.Env...)
	term, err := startTerminal(cmd, cfg.Cols, cfg.Rows)
	if err != nil {
		return nil, fmt.Errorf("shell: start %s: %w", cfg.Shell, err)
	}
	s := &Shell{term: term, cmd: cmd, waitDone: make(chan struct{})}
	go s.wait()
	return s, nil
}

func (s *Shell) wait() {
	err := s.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		s.exitCode = ee.ExitCode()
	default:
		s.waitErr = err
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

// Close ends the shell: SIGHUP to its process group, SIGKILL after grace,
// then closes the terminal. It waits for the process to be reaped.
func (s *Shell) Close() error {
	s.waitOnce.Do(func() {
		select {
		case <-s.waitDone:
		default:
			hangup(s.cmd)
			select {
			case <-s.waitDone:
			case <-time.After(2 * time.Second):
				if s.cmd.Process != nil {
					_ = s.cmd.Process.Signal(syscall.SIGKILL)
				}
				killGroup(s.cmd)
				<-s.waitDone
			}
		}
		_ = s.term.Close()
	})
	return nil
}
