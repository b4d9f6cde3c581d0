package broker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// Live is a connected agent session.
type Live struct {
	ID       string
	TicketID int64

	b     *Broker
	conn  ssh.Conn
	chans <-chan ssh.NewChannel
	reqs  <-chan *ssh.Request

	ctx      context.Context
	cancel   context.CancelCauseFunc
	finished chan struct{} // closed once the end is recorded

	mu        sync.Mutex
	sess      store.Session
	granted   wire.Scopes
	chatCount int // messages of the session, both ways (MaxChatMessages)
	askCount  int // asks of the session (MaxAsks)
}

func newLive(b *Broker, s store.Session, conn ssh.Conn, chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request, granted wire.Scopes) *Live {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &Live{ID: s.ID, TicketID: s.TicketID, b: b, conn: conn, chans: chans, reqs: reqs, ctx: ctx, cancel: cancel, finished: make(chan struct{}), sess: s, granted: granted}
}

// Session returns a copy of the session's row as last known.
func (l *Live) Session() store.Session {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sess
}

// Granted returns the scopes the user currently grants.
func (l *Live) Granted() wire.Scopes {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(wire.Scopes(nil), l.granted...)
}

// Done is closed when the session has ended.
func (l *Live) Done() <-chan struct{} { return l.ctx.Done() }

// Cause says why the session ended (nil while live).
func (l *Live) Cause() error { return context.Cause(l.ctx) }

// SessionEnded is why a channel (a shell, a screen view) ended because its
// session did: the session's cause (Cause), worded for the channel.
func SessionEnded(sessionCause error) error {
	if sessionCause == nil {
		return cause.With(cause.LinkLost, "the session ended")
	}
	return fmt.Errorf("session ended: %w", sessionCause)
}

// End ends the session with why, which should carry a cause.Cause (see
// package cause) and reads well to a person.
func (l *Live) End(why error) {
	l.cancel(why)
}

// run serves the session until it ends, then records the end. It is called
// on the agent's HTTP handler goroutine, which owns the session.
func (l *Live) run() {
	b := l.b
	// The row says "connected" once this goroutine serves the session.
	l.mu.Lock()
	connected := l.sess
	l.mu.Unlock()
	if err := b.cfg.Store.UpdateSession(context.Background(), &connected); err != nil {
		b.cfg.Log.Error("update session", "session_id", connected.ID, "err", err)
	}
	b.notify(connected)

	l.serve()
	cause := context.Cause(l.ctx)
	if l.agentReason() == nil {
		// Tell the agent why before hanging up (best effort, bounded).
		payload := wire.EndNotice{Reason: cause.Error(), Reconnect: errors.Is(cause, errRestarting)}.Marshal()
		done := make(chan struct{})
		go func() { l.conn.SendRequest(wire.RequestEnd, true, payload); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
	}
	l.conn.Close()
	// The SSH connection's own goroutines end once nothing is left to deliver.
	for nch := range l.chans {
		nch.Reject(ssh.ConnectionFailed, "closing")
	}
	for req := range l.reqs {
		if req.WantReply {
			req.Reply(false, nil)
		}
	}

	defer close(l.finished)
	l.mu.Lock()
	s := l.sess
	l.mu.Unlock()
	ctx := context.Background()
	reason := cause.Error()
	if r := l.agentReason(); r != nil {
		reason = r.Error()
	} else if errors.Is(cause, errRestarting) || errors.Is(cause, ErrLinkLost) {
		// Keep the session: its client reconnects with its resume token.
		s.State, s.EndReason = store.SessionWaiting, reason+"; waiting for the client to reconnect"
		// A pending ask dies with the link: the agent's question closes with it.
		if err := b.cfg.Store.CancelAsks(ctx, s.ID); err != nil {
			b.cfg.Log.Error("cancel asks", "session_id", s.ID, "err", err)
		}
		b.record(ctx, audit.Event{Actor: "gateway", Action: ActionSessionSuspend, TicketID: s.TicketID, SessionID: s.ID, Details: map[string]any{"reason": reason}})
		if err := b.cfg.Store.UpdateSession(ctx, &s); err != nil {
			b.cfg.Log.Error("suspend session", "session_id", s.ID, "err", err)
		}
		b.notify(s)
		b.remove(l)
		if !errors.Is(cause, errRestarting) {
			b.expect(s.ID, "the client did not reconnect")
		}
		return
	}
	// Asks nobody can answer any more are cancelled; the chat is sealed
	// before the end entry, so the end is the last word on the session.
	if err := b.cfg.Store.CancelAsks(ctx, s.ID); err != nil {
		b.cfg.Log.Error("cancel asks", "session_id", s.ID, "err", err)
	}
	b.sealChat(ctx, s)
	// The audit entry first: whoever sees the session ended finds it in the trail.
	b.record(ctx, audit.Event{Actor: "gateway", Action: audit.ActionSessionEnd, TicketID: s.TicketID, SessionID: s.ID, Details: map[string]any{"reason": reason}})
	b.cfg.Store.SetSessionResume(ctx, s.ID, "")
	b.endRow(ctx, &s, reason)
	b.remove(l)
}

// ActionSessionSuspend is audited when a session loses its client and waits for it.
const ActionSessionSuspend = "session.suspend"

// agentReason returns the reason the agent gave in an end notice, if any.
func (l *Live) agentReason() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sess.EndReason != "" {
		if l.sess.EndReason == cause.UserEnded.Error() {
			return cause.UserEnded
		}
		return cause.With(cause.UserEnded, l.sess.EndReason)
	}
	return nil
}

func (l *Live) handleRequest(req *ssh.Request) {
	switch req.Type {
	case wire.RequestKeepalive:
		req.Reply(true, nil)
	case wire.RequestEnd:
		// A notice that does not parse still ends the session (the agent
		// is hanging up either way), in our words.
		n, err := wire.ParseEndNotice(req.Payload)
		if err != nil {
			l.b.cfg.Log.Info("end notice from the agent", "session_id", l.ID, "err", err)
		}
		reason := n.Reason
		if reason == "" {
			reason = "ended by user"
		}
		l.mu.Lock()
		l.sess.EndReason = reason
		l.mu.Unlock()
		req.Reply(true, nil)
		// The user ended it: that, not the link closing next, is the cause
		// every open shell and screen view ends with.
		l.cancel(l.agentReason())
	case wire.RequestChat:
		req.Reply(l.handleChat(req.Payload), nil) // after the audit entry: true means "on the ticket"
	case wire.RequestAnswer:
		req.Reply(l.handleAnswer(req.Payload), nil)
	case wire.RequestScopes:
		now, err := wire.ParseScopesNotice(req.Payload)
		if err != nil {
			req.Reply(false, nil)
			return
		}
		// Scopes can only shrink, and only a real change is stored, audited
		// and announced: a notice that changes nothing costs no write. That
		// bounds the scope.revoke entries of a session (across resumes too,
		// which also only shrink) by the number of scopes.
		l.mu.Lock()
		before := l.granted
		after := before.Intersect(now)
		if len(after) == len(before) {
			l.mu.Unlock()
			req.Reply(true, nil)
			return
		}
		l.granted = after
		l.sess.Granted = after.Strings()
		s := l.sess
		l.mu.Unlock()
		ctx := context.Background()
		if err := l.b.cfg.Store.UpdateSession(ctx, &s); err != nil {
			l.b.cfg.Log.Error("update session scopes", "session_id", s.ID, "err", err)
		}
		l.b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionScopeRevoke, TicketID: s.TicketID, SessionID: s.ID,
			Details: map[string]any{"before": before.Strings(), "granted": s.Granted}})
		l.b.notify(s)
		req.Reply(true, nil) // after the audit entry: the reply means "recorded"
	default:
		if req.WantReply {
			req.Reply(false, nil)
		}
	}
}

// serve handles the agent's requests and the keepalives until the session
// ends or the link drops. It runs on the agent's handler goroutine: an idle
// agent costs that goroutine and x/crypto/ssh's own three, no more (a
// keepalive round trip borrows a short-lived one).
func (l *Live) serve() {
	cfg := l.b.cfg
	t := time.NewTicker(cfg.KeepaliveInterval)
	defer t.Stop()
	var pending chan error // the keepalive in flight, if any
	missed := 0
	lost := func(why string) {
		err := l.conn.Wait()
		if err == nil {
			err = errors.New(why)
		}
		l.cancel(fmt.Errorf("%w: %v", ErrLinkLost, err))
	}
	for {
		select {
		case <-l.ctx.Done():
			return
		case nch, ok := <-l.chans:
			if !ok {
				lost("client disconnected")
				return
			}
			nch.Reject(ssh.Prohibited, "agents cannot open channels")
		case req, ok := <-l.reqs:
			if !ok {
				lost("client disconnected")
				return
			}
			l.handleRequest(req)
		case <-t.C:
			if pending != nil {
				if missed++; missed >= cfg.KeepaliveMissed {
					l.cancel(fmt.Errorf("%w: the client stopped answering keepalives", ErrLinkLost))
					return
				}
				continue
			}
			pending = make(chan error, 1)
			go func(p chan<- error) {
				_, _, err := l.conn.SendRequest(wire.RequestKeepalive, true, nil)
				p <- err
			}(pending)
		case err := <-pending:
			pending = nil
			if err != nil {
				lost(err.Error())
				return
			}
			missed = 0
		}
	}
}
