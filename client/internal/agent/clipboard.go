package agent

import (
	"context"
	"fmt"

	"github.com/tetherhq/tether/internal/wire"
)

// EventClipboard: clipboard text went to the user's clipboard or from it
// to the technician (screen view with scope control). The text itself is
// never in the event: only its length.
const EventClipboard EventKind = "clipboard"

// ScreenClipboard is what a ScreenHandler needs for clipboard transfers;
// the agent puts it in the handler's context (ScreenClipboardFrom).
type ScreenClipboard struct {
	// Allowed re-checks scopes screen and control now, for each transfer
	// (it does not count as taking control).
	Allowed func() bool
	// Notify shows the user one transfer: toUser when the technician put
	// chars characters on their clipboard, else the user's text went to
	// the technician; size > 0 when the user's text (size bytes) was over
	// the limit and not sent.
	Notify func(toUser bool, chars, size int)
}

type screenClipKey struct{}

// ScreenClipboardFrom returns the clipboard rights of a screen channel's
// context, or nil outside a screen handler.
func ScreenClipboardFrom(ctx context.Context) *ScreenClipboard {
	c, _ := ctx.Value(screenClipKey{}).(*ScreenClipboard)
	return c
}

// withScreenClipboard gives a screen handler its clipboard rights.
func (s *session) withScreenClipboard(ctx context.Context, actor string) context.Context {
	who := describe(actor)
	return context.WithValue(ctx, screenClipKey{}, &ScreenClipboard{
		Allowed: func() bool { return s.hasScope(wire.ScopeScreen) && s.hasScope(wire.ScopeControl) },
		Notify: func(toUser bool, chars, size int) {
			msg := fmt.Sprintf("Your clipboard text (%s) was sent to %s.", characters(chars), who)
			switch {
			case toUser:
				msg = fmt.Sprintf("%s put text on your clipboard (%s).", who, characters(chars))
			case size > 0:
				msg = fmt.Sprintf("Your clipboard text (%d KiB) is larger than %d KiB: it was not sent to %s.",
					(size+1023)>>10, wire.ScreenClipboardMax>>10, who)
			}
			s.chanEvent(ctx, Event{Kind: EventClipboard, Actor: actor, What: "clipboard", Scope: wire.ScopeControl, Message: msg})
		},
	})
}

func characters(n int) string {
	if n == 1 {
		return "1 character"
	}
	return fmt.Sprintf("%d characters", n)
}
