package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// handleShell serves a "session" channel: pty-req, window-change and shell.
// exec and subsystems are refused: a technician gets an interactive,
// recorded shell and nothing that bypasses it.
func (s *session) handleShell(ctx context.Context, nch ssh.NewChannel, open wire.ChannelOpen) {
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer s.track(wire.ScopeShell, ch)()
	actor := describe(open.Actor)
	s.chanEvent(ctx, Event{Kind: EventChannelOpen, Actor: open.Actor, What: "shell", Message: fmt.Sprintf("%s opened a shell.", actor)})

	var (
		pty     *wire.PTYRequest
		sh      Shell
		copies  sync.WaitGroup
		started bool
		closing *wire.CloseNotice // the gateway's RequestClose, if it said why
		exited  bool
	)
	defer func() {
		if sh != nil {
			sh.Close()
		}
		copies.Wait()
		ch.Close()
		if sh != nil {
			select {
			case <-sh.Done():
				exited = closing == nil
			default:
			}
		}
		s.chanEvent(ctx, Event{Kind: EventChannelClose, Actor: open.Actor, What: "shell", Message: s.shellClosedMessage(actor, closing, exited)})
	}()
	stop := context.AfterFunc(ctx, func() { ch.Close() })
	defer stop()

	for req := range reqs {
		switch req.Type {
		case wire.RequestPTY:
			p, err := wire.ParsePTYRequest(req.Payload)
			if err != nil || started {
				req.Reply(false, nil)
				continue
			}
			pty = &p
			req.Reply(true, nil)
		case wire.RequestClose:
			if n, err := wire.ParseCloseNotice(req.Payload); err == nil && closing == nil {
				closing = &n
			}
			if req.WantReply {
				req.Reply(true, nil)
			}
		case wire.RequestWindowChange:
			w, err := wire.ParseWindowChange(req.Payload)
			if err == nil && sh != nil {
				sh.Resize(int(w.Cols), int(w.Rows))
			}
			if req.WantReply {
				req.Reply(err == nil, nil)
			}
		case wire.RequestShell:
			if started || pty == nil {
				req.Reply(false, nil)
				continue
			}
			if !s.hasScope(wire.ScopeShell) { // revoked while the channel was being set up
				req.Reply(false, nil)
				return
			}
			c := s.cfg.Shell
			c.Term, c.Cols, c.Rows = pty.Term, int(pty.Cols), int(pty.Rows)
			var err error
			sh, err = s.cfg.startShell(c)
			if err != nil {
				req.Reply(false, nil)
				fmt.Fprintf(ch.Stderr(), "tether: could not start a shell: %v\r\n", err)
				return
			}
			echo := newEchoReporter(sh, ch)
			echo.check() // the first notice, before the shell is answered
			started = true
			req.Reply(true, nil)
			copies.Add(3)
			go func() { // keystrokes from the technician
				defer copies.Done()
				copyChecked(sh, ch, echo)
				// The technician closed their side: hang up the shell.
				sh.Close()
			}()
			go func() { // output to the technician; ends when the shell exits
				defer copies.Done()
				copyChecked(ch, sh, echo)
				status := struct{ Status uint32 }{uint32(sh.ExitCode())}
				ch.SendRequest("exit-status", false, ssh.Marshal(&status))
				ch.CloseWrite()
				ch.Close()
			}()
			go func() { // echo changes that print nothing; ends with the shell
				defer copies.Done()
				echo.poll(sh.Done())
			}()
		default:
			if req.WantReply {
				req.Reply(false, nil)
			}
		}
	}
}

// shellClosedMessage tells the user why a shell closed: what the gateway
// said when it closed it, else what this side knows (the session is ending
// and why, the user revoked shell, the shell exited), else that the
// technician closed it.
func (s *session) shellClosedMessage(actor string, n *wire.CloseNotice, exited bool) string {
	if n != nil {
		switch n.Code {
		case "shell_exited":
			return "The shell exited."
		case "technician_ended":
			return fmt.Sprintf("%s closed the shell.", actor)
		case "gateway_restart":
			return "The shell closed: the gateway is restarting; the session reconnects in a moment."
		case "gateway_shutdown":
			return "The shell closed: the gateway is shutting down."
		case "right_withdrawn":
			return fmt.Sprintf("The shell closed: %s no longer has the right to it.", actor)
		case "policy_timeout":
			return "The shell closed: the session reached a time limit."
		case "user_ended":
			return "The shell closed: you ended the session."
		case "user_revoked":
			return "The shell closed: you revoked shell."
		}
		if n.Reason != "" {
			return fmt.Sprintf("The shell closed: %s.", n.Reason)
		}
	}
	s.mu.Lock()
	ending := s.ending
	s.mu.Unlock()
	var why error
	if ending != nil {
		why = ending()
	}
	switch {
	case errors.Is(why, errRestarting):
		return "The shell closed: the gateway is restarting; the session reconnects in a moment."
	case errors.Is(why, ErrEndedByUser):
		return "The shell closed: you ended the session."
	case errors.Is(why, ErrEndedByGateway):
		return fmt.Sprintf("The shell closed: %s.", why)
	case errors.Is(why, ErrLinkLost):
		return "The shell closed: the connection to the gateway was lost."
	case !s.hasScope(wire.ScopeShell):
		return "The shell closed: you revoked shell."
	case exited:
		return "The shell exited."
	}
	return fmt.Sprintf("%s closed the shell.", actor)
}
