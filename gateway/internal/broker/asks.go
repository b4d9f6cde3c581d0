package broker

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// Ask puts a technician's request for more scopes to the user: the scopes
// not granted now among scopes (ErrNothingToAsk when none), with a reason.
// The ask is stored pending and audited (scope.ask) before the agent sees
// it; a client that cannot ask (ErrAskRefused) leaves it cancelled. The
// user's answer comes later, as a tether-answer request (handleAnswer).
func (l *Live) Ask(ctx context.Context, technician string, scopes wire.Scopes, reason string) (store.Ask, error) {
	if l.ctx.Err() != nil {
		return store.Ask{}, ErrNotLive
	}
	granted := l.Granted()
	var want wire.Scopes
	for _, sc := range scopes {
		if !granted.Has(sc) && !want.Has(sc) {
			want = append(want, sc)
		}
	}
	if len(want) == 0 {
		return store.Ask{}, ErrNothingToAsk
	}
	want, _ = wire.NewScopes(want.Strings()) // canonical order
	reason = wire.CleanText(reason, wire.MaxAskReason)
	l.mu.Lock()
	if l.askCount >= MaxAsks {
		l.mu.Unlock()
		return store.Ask{}, ErrTooManyAsks
	}
	l.askCount++
	l.mu.Unlock()
	b := l.b
	a := store.Ask{ID: store.NewID("a_"), SessionID: l.ID, TicketID: l.TicketID, Technician: technician, Scopes: want.Strings(), Reason: reason, CreatedAt: b.cfg.Clock()}
	if err := b.cfg.Store.CreateAsk(ctx, &a); err != nil {
		return store.Ask{}, err
	}
	b.record(ctx, audit.Event{Actor: technician, Action: ActionScopeAsk, TicketID: l.TicketID, SessionID: l.ID,
		Details: map[string]any{"ask_id": a.ID, "scopes": a.Scopes, "reason": reason}})
	b.publishAsk(a)
	tech := technician
	if u, err := b.cfg.Store.UserByName(ctx, technician); err == nil && u.DisplayName != "" {
		tech = u.DisplayName
	}
	ok, err := l.request(ctx, wire.RequestAsk, wire.AskNotice{ID: a.ID, Technician: tech, Scopes: a.Scopes, Reason: reason}.Marshal())
	if err != nil || !ok {
		if cerr := b.cfg.Store.CancelAsk(context.WithoutCancel(ctx), a.ID); cerr == nil {
			a.State = store.AskCancelled
			b.publishAsk(a)
		}
		if err != nil {
			return a, err
		}
		return a, ErrAskRefused
	}
	return a, nil
}

func (b *Broker) publishAsk(a store.Ask) {
	if b.cfg.OnAsk != nil {
		b.cfg.OnAsk(a)
	}
}

// handleAnswer applies the user's answer to a pending ask of this session:
// the allowed scopes that ask named (never others, never control without
// screen) join the granted set, stored and audited (scope.grant) before
// the reply. Anything else (an answer never asked, another session's ask,
// a second answer) is refused.
func (l *Live) handleAnswer(payload []byte) bool {
	n, err := wire.ParseAnswerNotice(payload)
	if err != nil {
		return false
	}
	ctx := context.Background()
	b := l.b
	a, err := b.cfg.Store.Ask(ctx, n.AskID)
	if err != nil || a.SessionID != l.ID || a.State != store.AskPending {
		b.cfg.Log.Info("answer refused", "session_id", l.ID, "ask_id", n.AskID, "err", errors.Join(err, fmt.Errorf("state %q", askState(a))))
		return false
	}
	asked, _ := wire.NewScopes(a.Scopes)
	said, _ := wire.NewScopes(n.Allowed)
	allowed := said.Intersect(asked)

	l.mu.Lock()
	before := l.granted
	after := append(wire.Scopes(nil), before...)
	for _, sc := range allowed {
		if !after.Has(sc) {
			after = append(after, sc)
		}
	}
	if after.Has(wire.ScopeControl) && !after.Has(wire.ScopeScreen) {
		var keep wire.Scopes
		for _, sc := range after {
			if sc != wire.ScopeControl {
				keep = append(keep, sc)
			}
		}
		after = keep
		allowed = allowed.Intersect(after)
	}
	after, _ = wire.NewScopes(after.Strings())
	l.mu.Unlock()

	if err := b.cfg.Store.AnswerAsk(ctx, a.ID, allowed.Strings(), n.Via, b.cfg.Clock()); err != nil {
		return false // answered concurrently
	}
	l.mu.Lock()
	l.granted = after
	l.sess.Granted = after.Strings()
	s := l.sess
	l.mu.Unlock()
	if err := b.cfg.Store.UpdateSession(ctx, &s); err != nil {
		b.cfg.Log.Error("update session scopes", "session_id", s.ID, "err", err)
	}
	b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionScopeGrant, TicketID: s.TicketID, SessionID: s.ID,
		Details: map[string]any{"ask_id": a.ID, "asked": a.Scopes, "allowed": allowed.Strings(), "via": n.Via, "granted": s.Granted}})
	if got, err := b.cfg.Store.Ask(ctx, a.ID); err == nil {
		b.publishAsk(*got)
	}
	b.notify(s)
	return true
}

func askState(a *store.Ask) string {
	if a == nil {
		return ""
	}
	return a.State
}
