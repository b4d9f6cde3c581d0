package agent

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// ptyReq is the payload of a "pty-req" request (RFC 4254 §6.2).
type ptyReq struct {
	Term     string
	Cols     uint32
	Rows     uint32
	WidthPx  uint32
	HeightPx uint32
	Modes    string
}

// winChange is the payload of a "window-change" request (RFC 4254 §6.7).
type winChange struct {
	Cols     uint32
	Rows     uint32
	WidthPx  uint32
	HeightPx uint32
}

func parsePTYReq(b []byte) (ptyReq, error) {
	var p ptyReq
	if err := ssh.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("bad pty-req: %w", err)
	}
	if p.Cols == 0 || p.Rows == 0 || p.Cols > 1000 || p.Rows > 1000 || len(p.Term) > 64 {
		return p, fmt.Errorf("bad pty-req: size %dx%d", p.Cols, p.Rows)
	}
	return p, nil
}

func parseWinChange(b []byte) (winChange, error) {
	var w winChange
	if err := ssh.Unmarshal(b, &w); err != nil {
		return w, fmt.Errorf("bad window-change: %w", err)
	}
	if w.Cols == 0 || w.Rows == 0 || w.Cols > 1000 || w.Rows > 1000 {
		return w, fmt.Errorf("bad window-change: size %dx%d", w.Cols, w.Rows)
	}
	return w, nil
}

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
	s.event(Event{Kind: EventChannelOpen, Actor: open.Actor, What: "shell", Message: fmt.Sprintf("%s opened a shell.", actor)})

	var (
		pty     *ptyReq
		sh      Shell
		copies  sync.WaitGroup
		started bool
	)
	defer func() {
		if sh != nil {
			sh.Close()
		}
		copies.Wait()
		ch.Close()
		s.event(Event{Kind: EventChannelClose, Actor: open.Actor, What: "shell", Message: fmt.Sprintf("%s closed the shell.", actor)})
	}()
	stop := context.AfterFunc(ctx, func() { ch.Close() })
	defer stop()

	for req := range reqs {
		switch req.Type {
		case "pty-req":
			p, err := parsePTYReq(req.Payload)
			if err != nil || started {
				req.Reply(false, nil)
				continue
			}
			pty = &p
			req.Reply(true, nil)
		case "window-change":
			w, err := parseWinChange(req.Payload)
			if err == nil && sh != nil {
				sh.Resize(int(w.Cols), int(w.Rows))
			}
			if req.WantReply {
				req.Reply(err == nil, nil)
			}
		case "shell":
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
