package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/shell"
)

// maxSyntheticLine bounds one command line typed into a synthetic shell.
const maxSyntheticLine = 4096

// synthetic is a shell without a pty or a process, to measure the transport
// alone (gateway, SSH, WebSocket, recording) through the real agent: every
// byte typed is echoed back at once, and the line "cat PATH" streams that
// file followed by "BENCHDONE\r\n". It reports no echo state, like a
// terminal that cannot tell.
//
// Write is called by the agent's keystroke copy and Read by its output copy,
// each from one goroutine: output goes through a pipe, so a file streamed by
// "cat" flows at the pace the channel takes it.
type synthetic struct {
	pr *io.PipeReader
	pw *io.PipeWriter

	prompt []byte // written before anything else; only Read touches it
	line   []byte // the command line being typed; only Write touches it

	once sync.Once
	done chan struct{}
}

var _ agent.Shell = (*synthetic)(nil)

func newSynthetic() *synthetic {
	pr, pw := io.Pipe()
	return &synthetic{pr: pr, pw: pw, prompt: []byte("$ "), done: make(chan struct{})}
}

// Read returns the shell's output: the first prompt, then what Write echoes
// and streams. It returns io.EOF once the shell is closed.
func (s *synthetic) Read(p []byte) (int, error) {
	if len(s.prompt) > 0 {
		n := copy(p, s.prompt)
		s.prompt = s.prompt[n:]
		return n, nil
	}
	return s.pr.Read(p)
}

// Write echoes p and runs every completed "cat PATH" line.
func (s *synthetic) Write(p []byte) (int, error) {
	if _, err := s.pw.Write(p); err != nil {
		return 0, shell.ErrClosed
	}
	for _, c := range p {
		if c != '\n' && c != '\r' {
			if len(s.line) < maxSyntheticLine {
				s.line = append(s.line, c)
			}
			continue
		}
		cmd := string(bytes.TrimSpace(s.line))
		s.line = s.line[:0]
		if path, ok := strings.CutPrefix(cmd, "cat "); ok {
			if f, err := os.Open(path); err == nil {
				_, err = io.Copy(s.pw, f)
				f.Close()
				if errors.Is(err, io.ErrClosedPipe) {
					return 0, shell.ErrClosed
				}
			}
			if _, err := s.pw.Write([]byte("BENCHDONE\r\n$ ")); err != nil {
				return 0, shell.ErrClosed
			}
		}
	}
	return len(p), nil
}

func (s *synthetic) Resize(cols, rows int) error { return nil }
func (s *synthetic) Echo() shell.Echo            { return shell.EchoUnknown }
func (s *synthetic) Done() <-chan struct{}       { return s.done }
func (s *synthetic) ExitCode() int               { <-s.done; return 0 }

// Close ends the shell: Read returns io.EOF and a blocked Write returns.
func (s *synthetic) Close() error {
	s.once.Do(func() {
		s.pw.Close()
		s.pr.Close()
		close(s.done)
	})
	return nil
}
