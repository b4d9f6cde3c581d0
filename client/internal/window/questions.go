package window

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetherhq/tether/client/internal/consent"
	"github.com/tetherhq/tether/internal/wire"
)

// AskCode shows the code box and returns the invite code the user typed,
// normalised (wire.NormalizeCode). Problem shows why a code was refused.
func (w *Window) AskCode(ctx context.Context) (string, error) {
	res := make(chan string, 1)
	w.update(func(st *state) {
		st.Phase = phaseCode
		st.codeRes = res
	})
	defer w.update(func(st *state) {
		st.codeRes = nil
		if st.Phase == phaseCode {
			st.Phase = phaseStarting
		}
	})
	select {
	case c := <-res:
		return c, nil
	case <-ctx.Done():
		return "", context.Cause(ctx)
	case <-w.done:
		return "", ErrClosed
	}
}

// Problem shows a sentence in red at the top (a refused code, a dropped
// link); "" hides it.
func (w *Window) Problem(text string) {
	w.update(func(st *state) { st.Problem = wire.StripControl(text, 500) })
}

// Consent shows the offer and returns the scopes the user switched on and
// allowed; consent.ErrDeclined when they declined (or allowed nothing).
// details holds the concrete lines per scope (consent.DiagnosticsDetails);
// available says whether a scope can be offered on this computer.
func (w *Window) Consent(ctx context.Context, o wire.Offer, details map[wire.Scope][]string, available func(wire.Scope) (bool, string)) (wire.Scopes, error) {
	asked, err := wire.NewScopes(o.Scopes)
	if err != nil {
		return nil, err
	}
	res := make(chan consentAns, 1)
	w.update(func(st *state) {
		st.Phase = phaseConsent
		st.Problem = ""
		st.Technician = wire.CleanText(o.Technician, 64)
		t := wire.Ticket{ID: o.Ticket.ID, Title: wire.CleanText(o.Ticket.Title, 200)}
		st.Ticket = &t
		if !o.ExpiresAt.IsZero() {
			e := o.ExpiresAt
			st.Expires = &e
		}
		st.Scopes = nil
		for _, sc := range asked {
			v := describe(sc)
			for _, d := range details[sc] {
				v.Details = append(v.Details, wire.StripControl(d, 500))
			}
			if available != nil {
				ok, why := available(sc)
				v.Available, v.Why = ok, wire.StripControl(why, 300)
			}
			st.Scopes = append(st.Scopes, v)
		}
		st.consentRes = res
	})
	defer w.update(func(st *state) { st.consentRes = nil })
	var a consentAns
	select {
	case a = <-res:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case <-w.done:
		return nil, ErrClosed
	}
	var offerable wire.Scopes
	for _, sc := range asked {
		if ok, _ := availableOr(available, sc); ok {
			offerable = append(offerable, sc)
		}
	}
	granted := a.scopes.Intersect(offerable)
	if a.decline || len(granted) == 0 {
		w.update(func(st *state) {
			st.Phase = phaseEnded
			st.Ended = &endedView{Reason: "You declined. Nothing was shared."}
		})
		return nil, consent.ErrDeclined
	}
	w.update(func(st *state) {
		st.Phase = phaseConnecting
		st.setGranted(granted)
	})
	return granted, nil
}

func availableOr(f func(wire.Scope) (bool, string), sc wire.Scope) (bool, string) {
	if f == nil {
		return true, ""
	}
	return f(sc)
}

// Ask puts a technician's live request for more scopes to the user and
// returns what they allowed (a subset of n.Scopes, maybe empty). It has
// the shape of agent.AskFunc without its "via" (always wire.ConsentWindow).
func (w *Window) Ask(ctx context.Context, n wire.AskNotice) (wire.Scopes, error) {
	asked, err := wire.NewScopes(n.Scopes)
	if err != nil {
		return nil, err
	}
	v := &askView{ID: newID(), Technician: wire.CleanText(n.Technician, 64),
		Reason: wire.CleanText(n.Reason, wire.MaxAskReason), res: make(chan wire.Scopes, 1)}
	res := v.res // v.res itself is cleared under the lock once answered
	for _, sc := range asked {
		v.Scopes = append(v.Scopes, describe(sc))
	}
	if err := w.enqueue(func(st *state) bool {
		if len(st.asks) >= maxPending {
			return false
		}
		st.asks = append(st.asks, v)
		return true
	}); err != nil {
		return nil, err
	}
	defer w.update(func(st *state) { st.asks = remove(st.asks, v) })
	select {
	case allowed := <-res:
		allowed = allowed.Intersect(asked)
		w.update(func(st *state) {
			st.setGranted(append(st.granted(), allowed...).Intersect(wire.Scopes(wire.AllScopes)))
			if len(allowed) == 0 {
				st.log(w.cfg.Now(), fmt.Sprintf("You declined %s's request.", orSomeone(v.Technician)))
			} else {
				st.log(w.cfg.Now(), fmt.Sprintf("You allowed %s to %s.", orSomeone(v.Technician), allowed))
			}
		})
		return allowed, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case <-w.done:
		return nil, ErrClosed
	}
}

// ConfirmFile asks whether diagnostics may read one file (text is the
// question, e.g. "Allow alice's diagnostics to read /etc/hosts?").
func (w *Window) ConfirmFile(ctx context.Context, text string) (bool, error) {
	return w.confirm(ctx, "read", text)
}

// ConfirmTransfer asks whether a file transfer may happen (text is the
// question: "alice wants to collect /x/app.log (2.3 MB) into ticket #12.").
func (w *Window) ConfirmTransfer(ctx context.Context, text string) (bool, error) {
	return w.confirm(ctx, "transfer", text)
}

func (w *Window) confirm(ctx context.Context, kind, text string) (bool, error) {
	v := &fileView{ID: newID(), Kind: kind, Text: wire.StripControl(text, 1000), res: make(chan bool, 1)}
	res := v.res
	if err := w.enqueue(func(st *state) bool {
		if len(st.files) >= maxPending {
			return false
		}
		st.files = append(st.files, v)
		return true
	}); err != nil {
		return false, err
	}
	defer w.update(func(st *state) { st.files = remove(st.files, v) })
	select {
	case yes := <-res:
		return yes, nil
	case <-ctx.Done():
		return false, context.Cause(ctx)
	case <-w.done:
		return false, ErrClosed
	}
}

var errBusy = errors.New("window: too many questions waiting")

func (w *Window) enqueue(add func(st *state) bool) error {
	ok := false
	w.update(func(st *state) { ok = add(st) })
	if !ok {
		return errBusy
	}
	return nil
}

// Ended shows that the session is over, with the reason, and the rating
// form when canRate.
func (w *Window) Ended(reason string, canRate bool) {
	w.update(func(st *state) {
		st.Phase = phaseEnded
		st.Connected = false
		st.Now = nowView{}
		st.Ended = &endedView{Reason: wire.StripControl(reason, 500), CanRate: canRate}
	})
}

// SetGranted shows sc as the granted scopes (the agent's Granted()).
func (w *Window) SetGranted(sc wire.Scopes) {
	w.update(func(st *state) { st.setGranted(sc) })
}

func remove[T comparable](s []T, v T) []T {
	for i, x := range s {
		if x == v {
			return append(s[:i:i], s[i+1:]...)
		}
	}
	return s
}

func newID() string { return secret()[:12] }

func orSomeone(name string) string {
	if name == "" {
		return "the technician"
	}
	return name
}
