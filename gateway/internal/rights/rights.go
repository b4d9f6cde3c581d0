// Package rights ties every long-lived channel (a shell, a screen view, a
// diagnostics run, the live event stream) to the right that opened it.
//
// Checking a right once, when a WebSocket opens, and trusting it for hours
// is how remote-support products get breached. Instead a handler that keeps
// something open takes a Hold: who holds it (user, role, token version and
// expiry) and what it needs (an action, a ticket). The hold's context ends,
// with a typed cause, the moment that right is gone:
//
//	token expiry ───────── timer per hold ─────────────┐
//	user changed ───────── UserChanged(name) ──────────┤  Check(hold) != nil
//	ticket reassigned ──── TicketChanged(id) ──────────┼─► cancel(ctx, cause)
//	anything else ──────── sweep every Config.Sweep ───┘   Config.OnEnd(hold, cause)
//
// The code that changes a user or a ticket calls UserChanged or
// TicketChanged after the change is stored, so the effect is immediate; the
// sweep is the backstop for changes this process does not see (the admin
// CLI, another gateway). One Check function decides, for every kind of
// channel, so there is one place where "may this principal still do this"
// is written down.
package rights

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tetherhq/tether/gateway/internal/cause"
)

// ErrWithdrawn is matched (errors.Is) by every cause a hold ends with.
var ErrWithdrawn = errors.New("right withdrawn")

// Cause is why a hold ended. Its text is shown to the person who held it.
type Cause struct{ msg string }

func (c *Cause) Error() string { return c.msg }

// Is makes every Cause match ErrWithdrawn and cause.RightWithdrawn.
func (c *Cause) Is(target error) bool {
	return target == ErrWithdrawn || target == cause.RightWithdrawn
}

// The causes a hold ends with; compare with errors.Is.
var (
	ErrTokenExpired = &Cause{"your sign-in expired; sign in again"}
	ErrSignedOut    = &Cause{"you were signed out (sign-out, or a change of password or second factor)"}
	ErrDisabled     = &Cause{"your account was disabled"}
	ErrRoleChanged  = &Cause{"your role changed and no longer allows this"}
	ErrReassigned   = &Cause{"the ticket was handed to someone else"}
)

// Hold describes one long-lived channel and the right it needs.
type Hold struct {
	// User, Role and Version identify the principal as its token did.
	User    string
	Role    string
	Version int64
	// Expires is when the principal's token expires; zero means never.
	Expires time.Time
	// Action is what the channel needs (an auth.Action); empty means
	// only "signed in".
	Action string
	// TicketID is the ticket the channel acts on; 0 means none.
	TicketID int64
	// What names the channel for the audit ("shell", "screen", ...).
	What string
	// SessionID is the agent session the channel belongs to, if any.
	SessionID string
}

// Checker reports whether h still holds: nil, or the Cause it ends with.
// A Checker that cannot tell (the store is down) returns nil: a transient
// failure must not cut a technician off; the next sweep tries again.
type Checker func(ctx context.Context, h Hold) error

// Config configures New.
type Config struct {
	// Check decides whether a hold still holds. Required.
	Check Checker
	// OnEnd is called (outside any lock) after the registry ended a hold,
	// with its cause; the API writes the audit entry there. Optional.
	OnEnd func(h Hold, cause error)
	// Sweep is how often every hold is re-checked; default 30 s.
	Sweep time.Duration
	// Clock returns the time; default time.Now.
	Clock func() time.Time
	// Log is the logger; default discard.
	Log *slog.Logger
}

// Registry tracks the live holds.
type Registry struct {
	cfg Config

	mu    sync.Mutex
	holds map[*hold]struct{}
}

type hold struct {
	Hold
	cancel context.CancelCauseFunc
	timer  *time.Timer
	ended  bool
}

// New checks cfg and returns a registry.
func New(cfg Config) (*Registry, error) {
	if cfg.Check == nil {
		return nil, errors.New("rights: Config.Check is required")
	}
	if cfg.Sweep <= 0 {
		cfg.Sweep = 30 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Registry{cfg: cfg, holds: map[*hold]struct{}{}}, nil
}

// Hold registers h and returns a context derived from parent that ends,
// with a Cause, when h no longer holds, and a release func the holder
// calls (always, typically deferred) when the channel ends by itself. A
// token that has already expired yields a context ended at once.
func (r *Registry) Hold(parent context.Context, h Hold) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	e := &hold{Hold: h, cancel: cancel}
	r.mu.Lock()
	r.holds[e] = struct{}{}
	if !h.Expires.IsZero() {
		// Set under the lock: the timer's end (which takes the lock) may
		// fire at once for a token that has already expired.
		e.timer = time.AfterFunc(max(h.Expires.Sub(r.cfg.Clock()), 0), func() { r.end(e, ErrTokenExpired) })
	}
	r.mu.Unlock()
	return ctx, func() {
		r.mu.Lock()
		delete(r.holds, e)
		e.ended = true
		t := e.timer
		r.mu.Unlock()
		if t != nil {
			t.Stop()
		}
		cancel(context.Canceled)
	}
}

// end ends e with cause unless it already ended.
func (r *Registry) end(e *hold, cause error) {
	r.mu.Lock()
	if e.ended {
		r.mu.Unlock()
		return
	}
	e.ended = true
	delete(r.holds, e)
	t := e.timer
	r.mu.Unlock()
	if t != nil {
		t.Stop()
	}
	e.cancel(cause)
	r.cfg.Log.Info("right withdrawn", "user", e.User, "what", e.What, "session_id", e.SessionID, "cause", cause.Error())
	if r.cfg.OnEnd != nil {
		r.cfg.OnEnd(e.Hold, cause)
	}
}

// select returns the live holds for which keep is true.
func (r *Registry) selectHolds(keep func(*hold) bool) []*hold {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*hold
	for e := range r.holds {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// recheck runs Check on each hold and ends those that no longer hold.
func (r *Registry) recheck(ctx context.Context, hs []*hold) {
	for _, e := range hs {
		if err := r.cfg.Check(ctx, e.Hold); err != nil {
			r.end(e, err)
		}
	}
}

// UserChanged re-checks every hold of the user now. Call it after storing
// a change of the user (password, second factor, role, disabled, sign-out).
func (r *Registry) UserChanged(ctx context.Context, name string) {
	r.recheck(ctx, r.selectHolds(func(e *hold) bool { return e.User == name }))
}

// TicketChanged re-checks every hold on the ticket now. Call it after
// storing a change of its assignment.
func (r *Registry) TicketChanged(ctx context.Context, id int64) {
	r.recheck(ctx, r.selectHolds(func(e *hold) bool { return e.TicketID == id }))
}

// Len reports how many holds are live (for tests and metrics).
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.holds)
}

// Run re-checks every hold every Config.Sweep until ctx ends.
func (r *Registry) Run(ctx context.Context) error {
	t := time.NewTicker(r.cfg.Sweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			r.recheck(ctx, r.selectHolds(func(*hold) bool { return true }))
		}
	}
}
