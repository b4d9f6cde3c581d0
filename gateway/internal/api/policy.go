package api

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/cause"
)

// policyWatcher ends live sessions that have run longer than the maximum
// session length or seen no technician activity for the idle timeout. It
// runs on the API side: the broker only offers Live.End. Activity is
// reported with touch by every technician action on a session.
type policyWatcher struct {
	mu   sync.Mutex
	last map[string]time.Time // session id → last technician activity

	cancel context.CancelFunc
	done   chan struct{}
}

// touch records technician activity on a session now.
func (a *API) touch(sessionID string) {
	now := a.cfg.Clock()
	p := &a.policy
	p.mu.Lock()
	if p.last == nil {
		p.last = map[string]time.Time{}
	}
	p.last[sessionID] = now
	p.mu.Unlock()
}

func (p *policyWatcher) lastActivity(id string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last[id]
}

// interval is how often the watcher looks: a tenth of the shorter limit,
// between 100 ms and 30 s.
func policyInterval(maxLen, idle time.Duration) time.Duration {
	d := time.Duration(0)
	for _, l := range []time.Duration{maxLen, idle} {
		if l > 0 && (d == 0 || l < d) {
			d = l
		}
	}
	if d == 0 {
		return 0
	}
	return min(max(d/10, 100*time.Millisecond), 30*time.Second)
}

func (p *policyWatcher) start(a *API) {
	every := policyInterval(a.cfg.SessionMaxLength, a.cfg.SessionIdleTimeout)
	if every == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				a.enforcePolicy(ctx)
			}
		}
	}()
}

func (p *policyWatcher) stop() {
	if p.cancel != nil {
		p.cancel()
		<-p.done
	}
}

// enforcePolicy checks every connected session once.
func (a *API) enforcePolicy(ctx context.Context) {
	ss, err := a.sec().ConnectedSessions(ctx)
	if err != nil {
		if ctx.Err() == nil {
			a.cfg.Log.Error("session policy: list sessions", "err", err)
		}
		return
	}
	now := a.cfg.Clock()
	seen := make(map[string]bool, len(ss))
	for _, s := range ss {
		seen[s.ID] = true
		l, err := a.cfg.Broker.Live(s.ID)
		if err != nil {
			continue // held by another gateway, or just ended
		}
		select {
		case <-l.Done():
			continue
		default:
		}
		start := s.CreatedAt
		if s.ConnectedAt != nil {
			start = *s.ConnectedAt
		}
		last := a.policy.lastActivity(s.ID)
		if last.Before(start) {
			last = start
		}
		reason := policyReason(now, start, last, a.cfg.SessionMaxLength, a.cfg.SessionIdleTimeout)
		if reason == "" {
			continue
		}
		if err := a.cfg.Audit.Record(ctx, audit.Event{Actor: "gateway", Action: audit.ActionSessionPolicy, TicketID: s.TicketID, SessionID: s.ID,
			Details: map[string]any{"reason": reason}}); err != nil {
			a.cfg.Log.Error("audit session policy", "err", err)
		}
		l.End(cause.With(cause.PolicyTimeout, reason))
	}
	a.policy.mu.Lock()
	for id := range a.policy.last {
		if !seen[id] {
			delete(a.policy.last, id)
		}
	}
	a.policy.mu.Unlock()
}

// policyReason says why a session that started (connected) at start, with
// its last technician activity at last, must end now: it reached maxLen,
// or it was idle for idle ("" when neither; a limit <= 0 is off). last is
// never before start.
func policyReason(now, start, last time.Time, maxLen, idle time.Duration) string {
	switch {
	case maxLen > 0 && now.Sub(start) >= maxLen:
		return fmt.Sprintf("the session reached its maximum length (%s)", maxLen)
	case idle > 0 && now.Sub(last) >= idle:
		return fmt.Sprintf("the session was idle for %s", idle)
	}
	return ""
}
