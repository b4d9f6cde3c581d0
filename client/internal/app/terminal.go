package app

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/consent"
	"github.com/tetherhq/tether/client/internal/console"
	"github.com/tetherhq/tether/client/internal/diag"
	"github.com/tetherhq/tether/client/internal/host"
	"github.com/tetherhq/tether/internal/wire"
)

// ratingTimeout bounds the rating question at the end.
const ratingTimeout = 2 * time.Minute

// Terminal runs a session on the terminal: consent questions (or
// --accept), then the live log, the user's commands (say, revoke, end),
// chat lines, live requests asked like the consent questions, and at the
// end a rating question. Cancelling ctx (Ctrl-C) ends the session.
func Terminal(ctx context.Context, o Options) int {
	out := o.Stdout
	j := *o.Join
	// One reader owns stdin: it answers the consent questions, then carries
	// the user's commands (say, revoke, end) while the session runs.
	lines := consent.Lines(o.Stdin)
	defer console.KeepOpen(lines, out) // Windows double-click: "Press Enter to close" (runs last)
	prompt := &consent.Prompt{Lines: lines, Out: out, Available: host.Available, Preset: o.Accept}
	// Questions asked mid-session share stdin with the commands. With
	// --accept nobody is asked: only --allow-file paths are read.
	term := consent.NewTerminal(lines, out)
	var ask func(context.Context, string) (bool, error)
	method := wire.ConsentFlag
	if o.Accept == nil {
		ask, method = term.Confirm, wire.ConsentTerminal
	}
	files, err := diag.NewFilePolicy(diag.FilePolicyConfig{Allowed: o.AllowFiles, Ask: ask})
	if err != nil {
		fmt.Fprintf(o.Stderr, "tether-client: --allow-file: %v\n", err)
		return 2
	}
	prompt.Details = diagDetails(ask != nil, o.AllowFiles)

	sctx, end := context.WithCancel(ctx)
	defer end()
	revoke := make(chan wire.Scopes)
	connected := make(chan struct{})
	var wasConnected atomic.Bool
	var ag *agent.Agent
	cfg := baseConfig(j, o.log())
	cfg.Consent = func(ctx context.Context, of wire.Offer) (wire.Scopes, error) {
		sc, err := prompt.Ask(ctx, of)
		if errors.Is(err, consent.ErrDeclined) {
			return nil, agent.ErrDeclined
		}
		return sc, err
	}
	cfg.Diag = host.Diag(j.Addr, files)
	cfg.Screen = host.Screen()
	// Every file transfer is asked on the terminal, even after --accept
	// (the flag granted the scope, not each file); with no input, refused.
	cfg.Files = &agent.FilesConfig{MaxSize: o.MaxFileSize, Confirm: func(ctx context.Context, q string) (bool, error) {
		return term.Confirm(ctx, q+" Allow? [y/N] ")
	}}
	cfg.Revoke = revoke
	cfg.Events = func(e agent.Event) {
		if e.Kind == agent.EventChat {
			return // printed by Chat
		}
		fmt.Fprintf(out, "[%s] %s\n", stamp(), e.Message)
		if e.Kind == agent.EventConnected && !wasConnected.Swap(true) {
			close(connected)
			fmt.Fprintln(out, consent.CommandHelp)
		}
	}
	// A live request is asked on the terminal even after --accept: the
	// flag answered the invite, not what the technician asks later. With
	// no input (a script) the question cannot be put and nothing is granted.
	askFn := func(ctx context.Context, n wire.AskNotice) (wire.Scopes, string, error) {
		sc, err := consent.AskMore(ctx, term, out, n)
		return sc, wire.ConsentTerminal, err
	}
	withChatAndAsks(&cfg, method, func(m wire.ChatMessage) {
		fmt.Fprintln(out, consent.ChatLine(m, "", time.Now()))
	}, askFn)
	ag, err = agent.New(cfg)
	if err != nil {
		fmt.Fprintf(o.Stderr, "tether-client: %v\n", err)
		return 1
	}
	commandsDone := make(chan struct{})
	go func() {
		defer close(commandsDone)
		console.CommandsWith(sctx, term, connected, console.Handlers{Revoke: revoke, End: end,
			Say: func(ctx context.Context, text string) error {
				m, err := ag.Say(ctx, text)
				if err == nil {
					fmt.Fprintln(out, consent.ChatLine(m, "you", time.Now()))
				}
				return err
			}}, out)
	}()

	fmt.Fprintf(out, "Connecting to %s ...\n", j.Addr)
	err = ag.Run(sctx)
	end()
	<-commandsDone
	reason, code := outcome(err, "")
	switch {
	case errors.Is(err, agent.ErrDeclined), errors.Is(err, agent.ErrEndedByUser):
		fmt.Fprintln(out, reason)
	case code != 0:
		fmt.Fprintf(o.Stderr, "tether-client: %v\n", err)
	}
	if wasConnected.Load() {
		rctx, cancel := context.WithTimeout(ctx, ratingTimeout)
		defer cancel()
		if r, c, ok := consent.AskRating(rctx, lines, out); ok {
			if err := ag.Rate(rctx, r, c); err != nil {
				fmt.Fprintf(out, "Your rating could not be sent: %v\n", err)
			} else {
				fmt.Fprintln(out, "Thank you!")
			}
		}
	}
	return code
}
