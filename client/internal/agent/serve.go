package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// serve runs SSH over the handshaken WebSocket until the session ends.
func (s *session) serve(ctx context.Context) error {
	cfg := s.cfg
	s.granted = s.hs.granted
	nc := s.hs.conn()
	nc.SetDeadline(time.Now().Add(cfg.HandshakeTimeout))
	sconn, chans, reqs, err := ssh.NewServerConn(nc, s.hs.serverConfig())
	if err != nil {
		nc.Close()
		if s.hs.resumed {
			// The link dropped between the Welcome and the end of SSH: the
			// gateway keeps our new token valid until SSH completes, so Run
			// tries again with it.
			return fmt.Errorf("%w: %w: %v", ErrLinkLost, errResumeSSH, err)
		}
		return fmt.Errorf("agent: ssh handshake: %w", err)
	}
	nc.SetDeadline(time.Time{})
	if s.agent != nil {
		s.agent.connected(s, sconn)
		defer s.agent.connected(s, nil)
	}

	s.event(Event{Kind: EventConnected, Actor: s.hs.offer.Technician, Session: s.hs.welcome.SessionID, Message: fmt.Sprintf(
		"Connected. Session %s for ticket #%d (%s). Granted: %s. Press Ctrl-C to end the session at any time.",
		s.hs.welcome.SessionID, s.hs.offer.Ticket.ID, s.hs.offer.Ticket.Title, s.scopes().String())})

	var (
		wg       sync.WaitGroup
		causeMu  sync.Mutex
		cause    error
		sessDone = make(chan struct{})
	)
	s.mu.Lock()
	s.ending = func() error {
		causeMu.Lock()
		defer causeMu.Unlock()
		return cause
	}
	s.mu.Unlock()
	setCause := func(err error) {
		causeMu.Lock()
		if cause == nil {
			cause = err
		}
		causeMu.Unlock()
	}

	// The user ends the session: tell the gateway why, then hang up.
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			setCause(ErrEndedByUser)
			payload := wire.EndNotice{Reason: "ended by user"}.Marshal()
			replied := make(chan struct{})
			go func() {
				sconn.SendRequest(wire.RequestEnd, true, payload)
				close(replied)
			}()
			select {
			case <-replied:
			case <-time.After(2 * time.Second):
			}
			sconn.Close()
		case <-sessDone:
		}
	}()

	// The user withdraws scopes from the terminal.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case sc, ok := <-cfg.Revoke:
				if !ok {
					return
				}
				s.revoke(sconn, sc)
			case <-sessDone:
				return
			}
		}
	}()

	// Keepalives: a gateway that stops answering is gone.
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.keepalive(sconn, sessDone, func() { setCause(ErrLinkLost); sconn.Close() })
	}()

	// Asks run until the link ends.
	askCtx, cancelAsks := context.WithCancel(ctx)
	defer cancelAsks()

	// Global requests from the gateway.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for req := range reqs {
			switch req.Type {
			case wire.RequestEnd:
				// A notice that does not parse still ends the session
				// (the gateway is hanging up either way), in our words.
				n, err := wire.ParseEndNotice(req.Payload)
				if err != nil {
					cfg.Log.Info("end notice from the gateway", "err", err)
				}
				reason := n.Reason
				if reason == "" {
					reason = "ended by the gateway"
				}
				if n.Reconnect {
					setCause(errRestarting)
				} else {
					setCause(fmt.Errorf("%w: %s", ErrEndedByGateway, reason))
				}
				req.Reply(true, nil)
			case wire.RequestKeepalive:
				req.Reply(true, nil)
			case wire.RequestChat:
				req.Reply(s.handleChat(req), nil)
			case wire.RequestAsk:
				req.Reply(s.handleAsk(askCtx, sconn, req, &wg), nil)
			default:
				req.Reply(false, nil)
			}
		}
	}()

	chCtx, cancelCh := context.WithCancel(context.Background())
	for nch := range chans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.dispatch(chCtx, nch)
		}()
	}
	// The connection is closed: whoever closed it set the cause, or the link dropped.
	cancelCh()
	cancelAsks()
	close(sessDone)
	waitErr := sconn.Wait()
	wg.Wait()

	causeMu.Lock()
	defer causeMu.Unlock()
	if cause == nil {
		cause = ErrLinkLost
		if waitErr != nil {
			cfg.Log.Info("ssh connection ended", "err", waitErr)
		}
	}
	if errors.Is(cause, ErrLinkLost) || errors.Is(cause, errRestarting) {
		return cause // Run decides whether to reconnect
	}
	s.event(Event{Kind: EventEnded, Message: "Session ended: " + cause.Error() + "."})
	if errors.Is(cause, ErrEndedByUser) || errors.Is(cause, ErrEndedByGateway) {
		return nil
	}
	return cause
}

func (s *session) keepalive(conn ssh.Conn, done <-chan struct{}, dead func()) {
	t := time.NewTicker(s.cfg.KeepaliveInterval)
	defer t.Stop()
	missed := 0
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		replied := make(chan error, 1)
		go func() {
			_, _, err := conn.SendRequest(wire.RequestKeepalive, true, nil)
			replied <- err
		}()
		select {
		case err := <-replied:
			if err != nil {
				dead()
				return
			}
			missed = 0
		case <-time.After(s.cfg.KeepaliveInterval):
			missed++
			if missed >= s.cfg.KeepaliveMissed {
				dead()
				return
			}
		case <-done:
			return
		}
	}
}

// dispatch enforces scopes on a new channel and hands it to its handler.
func (s *session) dispatch(ctx context.Context, nch ssh.NewChannel) {
	typ := nch.ChannelType()
	open, err := wire.ParseChannelOpen(nch.ExtraData())
	if err != nil {
		nch.Reject(ssh.ConnectionFailed, "bad channel request")
		return
	}
	actor := describe(open.Actor)
	scope := wire.ChannelScope(typ)
	if scope == "" {
		nch.Reject(ssh.UnknownChannelType, "unknown channel type")
		s.event(Event{Kind: EventRefused, Actor: open.Actor, What: typ,
			Message: fmt.Sprintf("Refused %s's request for %s: not something this client offers.", actor, scopeWhat(typ))})
		return
	}
	if !s.hasScope(scope) {
		nch.Reject(ssh.Prohibited, fmt.Sprintf("the user did not grant the %s scope", scope))
		s.event(Event{Kind: EventRefused, Actor: open.Actor, What: string(scope), Scope: scope,
			Message: fmt.Sprintf("Refused %s's request for %s: you did not grant %q.", actor, scopeWhat(typ), scope)})
		return
	}
	ctx = withChannel(ctx, scope)
	switch typ {
	case wire.ChannelSession:
		s.handleShell(ctx, nch, open)
	case wire.ChannelDiag:
		s.handleDiag(ctx, nch, open)
	case wire.ChannelScreen:
		s.handleScreen(ctx, nch, open)
	case wire.ChannelFiles:
		s.handleFiles(ctx, nch, open)
	default:
		nch.Reject(ssh.UnknownChannelType, "not supported by this client")
	}
}
