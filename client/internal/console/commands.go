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
