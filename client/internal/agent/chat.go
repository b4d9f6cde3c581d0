package agent

// CONTRACT STUB (lead, 2026-12-02): the API below is what the client's
// window and terminal build on. The agent helper replaces the bodies and
// keeps the signatures (see /work/notes/contract13.md).

import (
	"context"
	"errors"

	"github.com/tetherhq/tether/internal/wire"
)

// More event kinds (issue 13).
const (
	EventGranted EventKind = "granted" // the user allowed more scopes (an ask answered)
	EventControl EventKind = "control" // the technician took (Message says) or released control
	EventChat    EventKind = "chat"    // a chat message was sent or received (also given to Config.Chat)
)

// AskFunc puts a technician's live request for more scopes to the user
// and returns what they allowed (a subset of n.Scopes, maybe empty) and how
// they were asked (wire.ConsentWindow or wire.ConsentTerminal).
type AskFunc func(ctx context.Context, n wire.AskNotice) (allowed wire.Scopes, via string, err error)

// ErrNotConnected means the session is not connected right now (before the
// handshake, while reconnecting, after the end).
var ErrNotConnected = errors.New("not connected to the gateway right now")

// Agent is one client session, for programs that act on it while it runs
// (chat, revoke) and after it ended (rating).
type Agent struct {
	cfg Config
}

// New checks cfg and returns an agent; Run starts it.
func New(cfg Config) (*Agent, error) {
	if err := cfg.checkAndSetDefaults(); err != nil {
		return nil, err
	}
	return &Agent{cfg: cfg}, nil
}

// Run is the package-level Run for this agent.
func (a *Agent) Run(ctx context.Context) error { return Run(ctx, a.cfg) }

// Say sends the user's chat message to the technician; it returns once the
// gateway recorded it, with the message as recorded.
func (a *Agent) Say(ctx context.Context, text string) (wire.ChatMessage, error) {
	return wire.ChatMessage{}, errors.New("agent: Say: not implemented yet")
}

// Revoke withdraws scopes live (like Config.Revoke).
func (a *Agent) Revoke(ctx context.Context, sc wire.Scopes) error {
	return errors.New("agent: Revoke: not implemented yet")
}

// Granted returns the scopes granted now.
func (a *Agent) Granted() wire.Scopes { return nil }

// SessionID returns the gateway's id of the session ("" before Welcome).
func (a *Agent) SessionID() string { return "" }

// Rate posts the user's rating (1 to 5) and comment to the gateway, once,
// after the session ended (it also works while it runs).
func (a *Agent) Rate(ctx context.Context, rating int, comment string) error {
	return errors.New("agent: Rate: not implemented yet")
}
