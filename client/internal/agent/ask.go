package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// timeNow is the agent's clock.
var timeNow = time.Now

// asker runs the user's answers to the technician's asks, one at a time,
// each in a goroutine owned by the session (its WaitGroup) whose ctx ends
// with the session.
type asker struct {
	mu      sync.Mutex
	running bool
}

// handleAsk takes a tether-ask: refused (false) without Config.Ask, when it
// does not parse, or while another ask is open; otherwise the question is
// started and true is the reply at once. The answer goes back later as a
// tether-answer, after the allowed scopes were added to the granted set.
func (s *session) handleAsk(ctx context.Context, conn ssh.Conn, req *ssh.Request, wg *sync.WaitGroup) bool {
	if s.cfg.Ask == nil {
		return false
	}
	n, err := wire.ParseAskNotice(req.Payload)
	if err != nil {
		s.cfg.Log.Info("ask from the gateway refused", "err", err)
		return false
	}
	s.asks.mu.Lock()
	if s.asks.running {
		s.asks.mu.Unlock()
		return false
	}
	s.asks.running = true
	s.asks.mu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		var once sync.Once
		done := func() { once.Do(func() { s.asks.mu.Lock(); s.asks.running = false; s.asks.mu.Unlock() }) }
		defer done()
		s.runAsk(ctx, conn, n, done)
	}()
	return true
}

// runAsk asks the user and answers the gateway.
//
// decided is called once the user decided: the next ask may be shown.
func (s *session) runAsk(ctx context.Context, conn ssh.Conn, n wire.AskNotice, decided func()) {
	asked, _ := wire.NewScopes(n.Scopes)
	allowed, via, err := s.cfg.Ask(ctx, n)
	decided()
	if err != nil || ctx.Err() != nil {
		allowed = nil
	}
	if via != wire.ConsentWindow && via != wire.ConsentTerminal {
		via = wire.ConsentTerminal
		if s.cfg.ConsentMethod == wire.ConsentWindow {
			via = wire.ConsentWindow
		}
	}
	allowed = allowed.Intersect(asked) // never grant what was not asked

	s.mu.Lock()
	var added wire.Scopes
	for _, sc := range allowed {
		if !s.granted.Has(sc) {
			added = append(added, sc)
		}
	}
	// Never control without screen.
	if added.Has(wire.ScopeControl) && !s.granted.Has(wire.ScopeScreen) && !added.Has(wire.ScopeScreen) {
		added = removeScope(added, wire.ScopeControl)
		allowed = removeScope(allowed, wire.ScopeControl)
	}
	s.granted, _ = wire.NewScopes(append(s.granted.Strings(), added.Strings()...))
	s.mu.Unlock()

	if ctx.Err() != nil {
		s.forget(added)
		return
	}
	payload, _ := json.Marshal(wire.AnswerNotice{AskID: n.ID, Allowed: allowed.Strings(), Via: via})
	ok, err := sendRequest(ctx, conn, wire.RequestAnswer, payload)
	if err != nil || !ok {
		// The gateway did not take the answer: what it never recorded is
		// not granted here either.
		s.forget(added)
		return
	}
	actor := describe(n.Technician)
	if len(allowed) == 0 {
		s.event(Event{Kind: EventGranted, Actor: n.Technician, Message: fmt.Sprintf("You declined %s's request for %s. Granted now: %s.", actor, asked, orNone(s.scopes()))})
		return
	}
	s.event(Event{Kind: EventGranted, Actor: n.Technician, Message: fmt.Sprintf("You allowed %s to %s. Granted now: %s.", actor, allowed, orNone(s.scopes()))})
}

// forget removes scopes added by an ask the gateway never recorded.
func (s *session) forget(added wire.Scopes) {
	if len(added) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range added {
		s.granted = removeScope(s.granted, sc)
	}
}

func removeScope(in wire.Scopes, sc wire.Scope) wire.Scopes {
	var out wire.Scopes
	for _, x := range in {
		if x != sc {
			out = append(out, x)
		}
	}
	return out
}
