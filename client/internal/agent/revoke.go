package agent

import (
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// track remembers an open channel under the scope it needs, so revoking the
// scope can close it. The returned func forgets it.
func (s *session) track(sc wire.Scope, ch ssh.Channel) (untrack func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		s.open = map[wire.Scope]map[ssh.Channel]struct{}{}
	}
	if s.open[sc] == nil {
		s.open[sc] = map[ssh.Channel]struct{}{}
	}
	s.open[sc][ch] = struct{}{}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.open[sc], ch)
	}
}

// revoke withdraws scopes live: they are refused from now on, channels open
// under them are closed at once, and the gateway is told. Revoking screen
// also revokes control.
func (s *session) revoke(conn ssh.Conn, scopes wire.Scopes) {
	if scopes.Has(wire.ScopeScreen) && !scopes.Has(wire.ScopeControl) {
		scopes = append(scopes, wire.ScopeControl)
	}
	s.mu.Lock()
	var keep wire.Scopes
	for _, sc := range s.granted {
		if !scopes.Has(sc) {
			keep = append(keep, sc)
		}
	}
	changed := len(keep) != len(s.granted)
	s.granted = keep
	type closing1 struct {
		ch ssh.Channel
		sc wire.Scope
	}
	var closing []closing1
	for _, sc := range scopes {
		for ch := range s.open[sc] {
			closing = append(closing, closing1{ch, sc})
		}
	}
	s.mu.Unlock()
	if changed {
		// Tell the gateway first, so it knows why the channels close (the
		// user withdrew the permission, not a lost link); wait for its
		// answer only briefly: new channels are refused already, and the
		// open ones close whatever the gateway does.
		payload, _ := json.Marshal(wire.ScopesNotice{Granted: keep.Strings()})
		told := make(chan struct{})
		go func() { conn.SendRequest(wire.RequestScopes, true, payload); close(told) }()
		select {
		case <-told:
		case <-time.After(revokeNoticeWait):
		}
	}
	for _, c := range closing {
		// Say why first (want-reply false: nothing waits), so the
		// technician reads "the user revoked shell", not a lost link.
		n := wire.CloseNotice{Code: "user_revoked", Reason: "the user revoked " + string(c.sc)}
		c.ch.SendRequest(wire.RequestClose, false, n.Marshal())
		c.ch.Close()
	}
	if !changed {
		s.event(Event{Kind: EventRevoked, Message: fmt.Sprintf("Nothing to revoke: granted now: %s.", orNone(keep))})
		return
	}
	s.event(Event{Kind: EventRevoked, Message: fmt.Sprintf("Revoked %s. Granted now: %s.", scopes, orNone(keep))})
}

// revokeNoticeWait bounds how long a revoke waits for the gateway to
// acknowledge the scope change before it closes the channels.
const revokeNoticeWait = time.Second

func orNone(s wire.Scopes) string {
	if len(s) == 0 {
		return "nothing"
	}
	return s.String()
}
