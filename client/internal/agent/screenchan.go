package agent

import (
	"context"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// ScreenHandler serves one tether-screen channel. withControl says the user
// granted control; allowed re-checks it live before every input event.
type ScreenHandler func(ctx context.Context, ch io.ReadWriteCloser, withControl bool, allowed func() bool) error

// handleScreen serves a tether-screen channel.
func (s *session) handleScreen(ctx context.Context, nch ssh.NewChannel, open wire.ChannelOpen) {
	if s.cfg.Screen == nil {
		nch.Reject(ssh.UnknownChannelType, "screen view is not available in this client")
		return
	}
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer s.track(wire.ScopeScreen, ch)()
	go ssh.DiscardRequests(reqs)
	defer ch.Close()
	actor := describe(open.Actor)
	control := s.hasScope(wire.ScopeControl)
	msg := fmt.Sprintf("%s is viewing your screen.", actor)
	if control {
		msg = fmt.Sprintf("%s is viewing your screen and may control your mouse and keyboard and use your clipboard.", actor)
	}
	s.chanEvent(ctx, Event{Kind: EventChannelOpen, Actor: open.Actor, What: "screen", Message: msg})
	sctx, cancel := context.WithCancel(s.withScreenClipboard(ctx, open.Actor))
	defer cancel()
	watch := &controlWatch{s: s, ctx: ctx, actor: open.Actor}
	defer watch.stop()
	allowed := func() bool {
		ok := s.hasScope(wire.ScopeScreen) && s.hasScope(wire.ScopeControl)
		if ok {
			watch.input()
		}
		return ok
	}
	err = s.cfg.Screen(sctx, ch, control, allowed)
	end := fmt.Sprintf("%s stopped viewing your screen.", actor)
	if err != nil {
		end = fmt.Sprintf("Screen view for %s ended: %v.", actor, err)
	}
	s.chanEvent(ctx, Event{Kind: EventChannelClose, Actor: open.Actor, What: "screen", Message: end})
}
