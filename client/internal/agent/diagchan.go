package agent

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// handleDiag serves a tether-diag channel: one request in, one JSON line
// per finished check out, then "done". Without a DiagHandler it refuses.
func (s *session) handleDiag(ctx context.Context, nch ssh.NewChannel, open wire.ChannelOpen) {
	if s.cfg.Diag == nil {
		nch.Reject(ssh.UnknownChannelType, "diagnostics are not available in this client")
		return
	}
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer s.track(wire.ScopeDiagnostics, ch)()
	go ssh.DiscardRequests(reqs)
	defer ch.Close()
	actor := describe(open.Actor)
	req, err := wire.DiagReadRequest(ch)
	if err != nil {
		wire.DiagWriteEvent(ch, wire.DiagEvent{Type: wire.DiagEventError, Error: err.Error()})
		return
	}
	what := "the default sweep"
	if len(req.Checks) > 0 {
		what = fmt.Sprintf("%d checks", len(req.Checks))
	}
	s.chanEvent(ctx, Event{Kind: EventChannelOpen, Actor: open.Actor, What: "diagnostics", Message: fmt.Sprintf("%s is running diagnostics (%s).", actor, what)})
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { ch.Close() })
	defer stop()
	start := time.Now()
	var writeErr error
	emit := func(r wire.DiagResult) {
		if !s.hasScope(wire.ScopeDiagnostics) { // revoked live: stop sending
			cancel()
			return
		}
		if writeErr == nil {
			writeErr = wire.DiagWriteEvent(ch, wire.DiagEvent{Type: wire.DiagEventResult, Result: &r})
			if writeErr != nil {
				cancel()
			}
		}
		s.chanEvent(ctx, Event{Kind: EventDiagCollected, Actor: open.Actor, What: r.Name, Message: fmt.Sprintf("  collected %s: %s (%s)", r.Name, r.Status, wire.CleanText(r.Summary, 500))})
	}
	access := func(line string) {
		line = wire.CleanText(line, 600)
		s.chanEvent(ctx, Event{Kind: EventDiagAccess, Actor: open.Actor, What: line, Message: "  " + line})
	}
	s.cfg.Diag(rctx, req, DiagRun{Actor: open.Actor, Emit: emit, Access: access})
	if writeErr == nil {
		wire.DiagWriteEvent(ch, wire.DiagEvent{Type: wire.DiagEventDone, DurationMS: time.Since(start).Milliseconds()})
	}
	ch.CloseWrite()
	s.chanEvent(ctx, Event{Kind: EventChannelClose, Actor: open.Actor, What: "diagnostics", Message: fmt.Sprintf("%s's diagnostics finished in %s.", actor, time.Since(start).Round(time.Millisecond))})
}
