package console

import (
	"context"
	"fmt"
	"io"

	"github.com/tetherhq/tether/client/internal/consent"
	"github.com/tetherhq/tether/internal/wire"
)

// Commands reads the user's typed commands once the session is connected,
// through term, which also carries the answers to questions asked
// mid-session: scopes to withdraw go to revoke, "end" calls end. It returns
// when ctx ends, after "end", or when stdin closes (a script started the
// client: Ctrl-C or a signal still ends the session).
func Commands(ctx context.Context, term *consent.Terminal, connected <-chan struct{}, revoke chan<- wire.Scopes, end func(), out io.Writer) {
	CommandsWith(ctx, term, connected, Handlers{Revoke: revoke, End: end}, out)
}

// Handlers are what the typed commands do.
type Handlers struct {
	Revoke chan<- wire.Scopes // "revoke SCOPE"
	End    func()             // "end"
	// Say sends "say TEXT" / "chat TEXT" to the technician; nil: chat is
	// not available.
	Say func(ctx context.Context, text string) error
}

// CommandsWith is Commands with the chat command.
func CommandsWith(ctx context.Context, term *consent.Terminal, connected <-chan struct{}, h Handlers, out io.Writer) {
	revoke, end := h.Revoke, h.End
	select {
	case <-connected:
	case <-ctx.Done():
		return
	}
	go term.Run(ctx)
	lines := term.Commands()
	for {
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return
		case line, ok = <-lines:
		}
		if !ok {
			return // stdin closed (e.g. started by a script): Ctrl-C or a signal still ends the session
		}
		cmd, err := consent.ParseCommand(line)
		switch {
		case err != nil:
			fmt.Fprintln(out, err)
		case cmd.Help:
			fmt.Fprintln(out, consent.CommandHelp)
		case cmd.Say != "":
			if h.Say == nil {
				fmt.Fprintln(out, "Chat is not available in this session.")
			} else if err := h.Say(ctx, cmd.Say); err != nil {
				fmt.Fprintf(out, "Your message was not sent: %v\n", err)
			}
		case cmd.End:
			end()
			return
		case len(cmd.Revoke) > 0:
			select {
			case revoke <- cmd.Revoke:
			case <-ctx.Done():
				return
			}
		}
	}
}
