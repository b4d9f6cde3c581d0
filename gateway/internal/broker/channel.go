package broker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// RefusedError means the agent refused a channel (for example because the
// user did not grant its scope). Reason is the agent's message.
type RefusedError struct {
	Reason string
	// NotGranted: the agent refused the channel as prohibited, which it
	// does only for a scope the user did not grant (or revoked).
	NotGranted bool
}

func (e *RefusedError) Error() string { return "the client refused: " + e.Reason }

// openChannel opens a channel of type typ on the agent, on behalf of actor;
// callers outside the broker get the handles built on it (OpenShell,
// OpenDiag, OpenScreen).
func (l *Live) openChannel(typ, actor, purpose string) (ssh.Channel, <-chan *ssh.Request, error) {
	if l.ctx.Err() != nil {
		return nil, nil, ErrNotLive
	}
	extra, _ := json.Marshal(wire.ChannelOpen{Actor: actor, Purpose: purpose})
	ch, reqs, err := l.conn.OpenChannel(typ, extra)
	if err != nil {
		var oce *ssh.OpenChannelError
		if errors.As(err, &oce) {
			return nil, nil, &RefusedError{Reason: wire.CleanText(oce.Message, 200), NotGranted: oce.Reason == ssh.Prohibited}
		}
		return nil, nil, fmt.Errorf("broker: open %s: %w", typ, err)
	}
	return ch, reqs, nil
}

// Shell is an interactive shell on the agent.
type Shell struct {
	ch ssh.Channel

	mu         sync.Mutex
	exitStatus int
	exited     bool
	reqsDone   chan struct{}

	closeNotice *wire.CloseNotice // the agent's RequestClose, if it sent one

	echoMu    sync.Mutex
	echoKnown bool // the agent has sent a wire.RequestEcho notice
	echoOff   bool
	onEcho    func(known, off bool)
}

// OpenShell opens a shell with a terminal of the given size.
func (l *Live) OpenShell(actor, term string, cols, rows int) (*Shell, error) {
	ch, reqs, err := l.openChannel(wire.ChannelSession, actor, "shell")
	if err != nil {
		return nil, err
	}
	s := &Shell{ch: ch, reqsDone: make(chan struct{})}
	go s.serveRequests(reqs)
	if ok, err := ch.SendRequest(wire.RequestPTY, true, wire.NewPTYRequest(term, cols, rows).Marshal()); err != nil || !ok {
		ch.Close()
		return nil, fmt.Errorf("broker: the client refused a terminal (%dx%d)", cols, rows)
	}
	if ok, err := ch.SendRequest(wire.RequestShell, true, nil); err != nil || !ok {
		ch.Close()
		return nil, &RefusedError{Reason: "the client could not start a shell"}
	}
	return s, nil
}

func (s *Shell) serveRequests(reqs <-chan *ssh.Request) {
	defer close(s.reqsDone)
	for req := range reqs {
		if req.Type == wire.RequestEcho {
			s.handleEcho(req)
			continue
		}
		if req.Type == wire.RequestClose {
			if n, err := wire.ParseCloseNotice(req.Payload); err == nil {
				s.mu.Lock()
				if s.closeNotice == nil {
					s.closeNotice = &n
				}
				s.mu.Unlock()
			}
		}
		if req.Type == "exit-status" {
			var st struct{ Status uint32 }
			if ssh.Unmarshal(req.Payload, &st) == nil {
				s.mu.Lock()
				s.exitStatus, s.exited = int(st.Status), true
				s.mu.Unlock()
			}
		}
		if req.WantReply {
			req.Reply(false, nil)
		}
	}
}

// handleEcho records the agent's echo notice and answers it only after
// OnEcho's function has seen it: the agent holds back output until then, so
// the new state is in place before the technician sees what follows.
func (s *Shell) handleEcho(req *ssh.Request) {
	n, err := wire.ParseEchoNotice(req.Payload)
	if err == nil {
		s.echoMu.Lock()
		s.echoKnown, s.echoOff = true, n.Hidden()
		if s.onEcho != nil {
			s.onEcho(s.echoKnown, s.echoOff)
		}
		s.echoMu.Unlock()
	}
	if req.WantReply {
		req.Reply(err == nil, nil)
	}
}

// OnEcho makes f receive the terminal's echo state: whether the agent has
// reported it, and whether echo is off. f is called once now, then after
// every notice from the agent, in order. It runs on the shell's request
// goroutine and holds up the agent's output while it runs, so it must be
// quick; it must not call the Shell's echo methods.
func (s *Shell) OnEcho(f func(known, off bool)) {
	s.echoMu.Lock()
	defer s.echoMu.Unlock()
	s.onEcho = f
	if f != nil {
		f(s.echoKnown, s.echoOff)
	}
}

// Read reads terminal output.
func (s *Shell) Read(p []byte) (int, error) { return s.ch.Read(p) }

// Write sends keystrokes.
func (s *Shell) Write(p []byte) (int, error) { return s.ch.Write(p) }

// Resize tells the agent the terminal's new size.
func (s *Shell) Resize(cols, rows int) error {
	if cols <= 0 || rows <= 0 || cols > 1000 || rows > 1000 {
		return fmt.Errorf("broker: bad terminal size %dx%d", cols, rows)
	}
	wc := wire.WindowChange{Cols: uint32(cols), Rows: uint32(rows)}
	_, err := s.ch.SendRequest(wire.RequestWindowChange, false, wc.Marshal())
	return err
}

// Close closes the channel, which hangs up the shell on the agent.
func (s *Shell) Close() error {
	err := s.ch.Close()
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// CloseWith tells the agent why the gateway closes the shell (a
// wire.RequestClose with the cause's code and reason), then closes it.
func (s *Shell) CloseWith(code, reason string) error {
	// want-reply false: a gone agent cannot hold the close up.
	_, _ = s.ch.SendRequest(wire.RequestClose, false, wire.CloseNotice{Code: code, Reason: reason}.Marshal())
	return s.Close()
}

// ClosedBy returns the agent's close notice, when it said why it closed
// the shell (for example, the user revoked shell). It waits like
// ExitStatus for the channel to close.
func (s *Shell) ClosedBy() (wire.CloseNotice, bool) {
	select {
	case <-s.reqsDone:
	case <-time.After(2 * time.Second):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closeNotice == nil {
		return wire.CloseNotice{}, false
	}
	return *s.closeNotice, true
}

// ExitStatus returns the shell's exit status once the channel has closed,
// and whether one was reported. It waits at most 2 seconds for the close.
func (s *Shell) ExitStatus() (int, bool) {
	select {
	case <-s.reqsDone:
	case <-time.After(2 * time.Second):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exitStatus, s.exited
}
