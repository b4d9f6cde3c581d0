package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/consent"
	"github.com/tetherhq/tether/client/internal/diag"
	"github.com/tetherhq/tether/client/internal/host"
	"github.com/tetherhq/tether/client/internal/preset"
	"github.com/tetherhq/tether/client/internal/window"
	"github.com/tetherhq/tether/internal/wire"
)

// Window runs a session with the consent window: it opens the page in the
// browser (and prints its link), learns the invite (Join, the file name's
// code, or the code the user types), asks consent in the window, shows the
// session there, and at the end asks for a rating. Cancelling ctx (Ctrl-C)
// ends the session.
func Window(ctx context.Context, o Options) int {
	out := o.Stdout
	log := o.log()
	wctx, stopWindow := context.WithCancel(ctx)
	defer stopWindow()
	var w *window.Window
	var afterEnd atomic.Bool
	pageGone := make(chan struct{}, 1)
	w, err := window.New(window.Config{Open: o.Open, Log: log, Closed: func() {
		if afterEnd.Load() {
			select {
			case pageGone <- struct{}{}:
			default:
			}
			return
		}
		fmt.Fprintf(out, "The Tether window was closed; Tether keeps running. To open it again, open this link in your browser:\n  %s\n", w.NewLink())
	}})
	if err != nil {
		fmt.Fprintf(o.Stderr, "tether-client: %v\n", err)
		return 1
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := w.Serve(wctx); err != nil {
			fmt.Fprintf(o.Stderr, "tether-client: window: %v\n", err)
		}
	}()
	defer func() { stopWindow(); <-served }()

	link := w.URL()
	fmt.Fprintf(out, "Tether: a technician can help you on this computer, with your consent.\n"+
		"Your browser opens a page to ask you. If it does not, open this link in a browser on this computer:\n  %s\n", link)
	if err := w.Show(link); err != nil {
		fmt.Fprintf(out, "(The browser could not be opened: %v.)\n", err)
	}

	j, err := findJoin(ctx, w, o)
	if err != nil {
		fmt.Fprintf(o.Stderr, "tether-client: %v\n", err)
		return 1
	}
	files, err := diag.NewFilePolicy(diag.FilePolicyConfig{Allowed: o.AllowFiles, Ask: w.ConfirmFile})
	if err != nil {
		fmt.Fprintf(o.Stderr, "tether-client: --allow-file: %v\n", err)
		return 2
	}
	details := diagDetails(true, o.AllowFiles)

	actx, cancelSession := context.WithCancel(ctx)
	defer cancelSession()
	var byUser atomic.Bool
	end := func() { byUser.Store(true); cancelSession() }
	revoke := make(chan wire.Scopes)
	var connected atomic.Bool
	var mu sync.Mutex
	lastEnded := ""
	var ag *agent.Agent
	cfg := baseConfig(j, log)
	cfg.Consent = func(ctx context.Context, of wire.Offer) (wire.Scopes, error) {
		sc, err := w.Consent(ctx, of, details, host.Available)
		if errors.Is(err, consent.ErrDeclined) {
			return nil, agent.ErrDeclined
		}
		return sc, err
	}
	cfg.Diag = host.Diag(j.Addr, files)
	cfg.Screen = host.Screen()
	cfg.Files = &agent.FilesConfig{MaxSize: o.MaxFileSize, Confirm: w.ConfirmTransfer}
	cfg.Revoke = revoke
	cfg.Events = func(e agent.Event) {
		if e.Kind != agent.EventChat {
			fmt.Fprintf(out, "[%s] %s\n", stamp(), e.Message)
		}
		switch e.Kind {
		case agent.EventConnected:
			connected.Store(true)
		case agent.EventEnded:
			mu.Lock()
			lastEnded = e.Message
			mu.Unlock()
		}
		w.Event(e)
		syncGranted(w, ag, e)
	}
	withChatAndAsks(&cfg, wire.ConsentWindow,
		func(m wire.ChatMessage) { w.Chat(m, false) },
		func(ctx context.Context, n wire.AskNotice) (wire.Scopes, string, error) {
			sc, err := w.Ask(ctx, n)
			return sc, wire.ConsentWindow, err
		})
	ag, err = agent.New(cfg)
	if err != nil {
		fmt.Fprintf(o.Stderr, "tether-client: %v\n", err)
		return 1
	}
	w.SetActions(window.Actions{
		Say:       func(ctx context.Context, text string) error { _, err := ag.Say(ctx, text); return err },
		Revoke:    revoker(ag, revoke, actx),
		End:       end,
		Rate:      ag.Rate,
		StopFiles: ag.StopFiles,
	})
	fmt.Fprintf(out, "Connecting to %s ...\n", j.Addr)
	err = ag.Run(actx)
	mu.Lock()
	reason, code := outcome(err, lastEnded)
	mu.Unlock()
	if code == 0 && (byUser.Load() || ctx.Err() != nil) && !errors.Is(err, agent.ErrDeclined) {
		reason = "You ended the session."
	}
	fmt.Fprintln(out, reason)
	canRate := connected.Load()
	if !errors.Is(err, agent.ErrDeclined) {
		w.Ended(reason, canRate)
	}
	afterEnd.Store(true)
	linger := o.Linger
	if linger <= 0 {
		linger = 10 * time.Minute
	}
	if !canRate {
		linger = 5 * time.Second // time for the page to show the end
	} else {
		fmt.Fprintln(out, "The window asks how the help was; close it or press Ctrl-C to quit.")
	}
	t := time.NewTimer(linger)
	defer t.Stop()
	select {
	case <-w.Rated(): // sent, and the page has its answer
	case <-pageGone:
	case <-ctx.Done():
	case <-t.C:
	}
	return code
}

// findJoin: the command line's link, else the file name's code, else the
// code the user types in the window (asked again until it resolves).
func findJoin(ctx context.Context, w *window.Window, o Options) (wire.Join, error) {
	if o.Join != nil {
		return *o.Join, nil
	}
	if code := preset.CodeFromName(o.Self); code != "" {
		return preset.Resolve(code)
	}
	for {
		code, err := w.AskCode(ctx)
		if err != nil {
			return wire.Join{}, err
		}
		j, err := preset.Resolve(code)
		if err == nil {
			w.Problem("")
			return j, nil
		}
		w.Problem(err.Error())
	}
}

// revokeChan sends sc to the agent's Revoke channel.
func revokeChan(ch chan<- wire.Scopes, sessionCtx context.Context) func(context.Context, wire.Scopes) error {
	return func(ctx context.Context, sc wire.Scopes) error {
		select {
		case ch <- sc:
			return nil
		case <-sessionCtx.Done():
			return agent.ErrNotConnected
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
