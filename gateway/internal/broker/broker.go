// Package broker owns live agent sessions on the gateway: it accepts the
// client's WebSocket (already upgraded by the api package: Accept), runs the
// consent or resume handshake, burns the invite, and then holds the SSH
// client side of the connection so that technicians' actions become SSH
// channels to the agent. Callers get domain handles, never an ssh.Channel:
// a Shell, a DiagRun, a ScreenStream. It knows nothing of HTTP (it does not
// import net/http; internal/archtest enforces it), users' tokens or SQL.
//
//	client ──wss──► api (Admit, upgrade) ──► Accept ──handshake──► Live{ssh.Conn}
//	                                            │                     │  ▲
//	                             Store (invites, sessions)            │  └── OpenShell / OpenDiag / OpenScreen
//	                                                                  └─ keepalives, end notices → session ended + cause
package broker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// Store is what the broker needs from persistence.
type Store interface {
	Invite(ctx context.Context, code string) (*store.Invite, error)
	UseInvite(ctx context.Context, code string, now time.Time, sessionID string) (*store.Invite, error)
	Ticket(ctx context.Context, id int64) (*store.Ticket, error)
	Session(ctx context.Context, id string) (*store.Session, error)
	UserByName(ctx context.Context, name string) (*store.User, error)
	CreateSession(ctx context.Context, s *store.Session) error
	UpdateSession(ctx context.Context, s *store.Session) error
	SetSessionResume(ctx context.Context, id, hash string) error
	SessionResumeHash(ctx context.Context, id string) (string, error)
	SwapSessionResume(ctx context.Context, id, prev, next string) error
	SetSessionFeedback(ctx context.Context, id, hash string) error
	AddChat(ctx context.Context, m *store.ChatMessage) error
	ListChat(ctx context.Context, sessionID string) ([]store.ChatMessage, error)
	CreateAsk(ctx context.Context, a *store.Ask) error
	Ask(ctx context.Context, id string) (*store.Ask, error)
	ListAsks(ctx context.Context, sessionID string) ([]store.Ask, error)
	AnswerAsk(ctx context.Context, id string, allowed []string, via string, at time.Time) error
	CancelAsk(ctx context.Context, id string) error
	CancelAsks(ctx context.Context, sessionID string) error
}

// Auditor records audit events.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Limiter rate-limits handshake attempts per client address.
type Limiter interface {
	Allow(key string) (bool, time.Duration)
}

// Config configures a Broker.
type Config struct {
	// Store persists invites and sessions. Required.
	Store Store
	// Audit records joins, grants and ends. Optional.
	Audit Auditor
	// SSHKey is the gateway's SSH client key, sent to agents in the Welcome. Required.
	SSHKey ssh.Signer
	// Limiter limits invite-code attempts (Hello) per remote IP: guessing
	// codes is the attack it slows. Optional (no limit).
	Limiter Limiter
	// ConnLimiter limits agent connections of any kind per remote IP, far
	// more generously: many users behind one NAT address all resume at once
	// after a gateway restart, and a resume proves itself with a 256-bit
	// token. Optional (no limit).
	ConnLimiter Limiter
	// OnSession is called after every change of a session's row (for live UI updates). Optional.
	OnSession func(store.Session)
	// OnChat is called after every chat message is recorded (both ways). Optional.
	OnChat func(store.ChatMessage)
	// OnAsk is called when an ask is created, answered or cancelled. Optional.
	OnAsk func(store.Ask)
	// OnInviteUsed is called after a client's join burned an invite (the
	// invite as stored, UsedAt and SessionID set), so a console can move it
	// to its history at once. Optional.
	OnInviteUsed func(store.Invite)
	// HandshakeTimeout bounds each non-interactive handshake step; default 10s.
	HandshakeTimeout time.Duration
	// ConsentTimeout bounds how long the user may take to decide; default 10 min
	// (never past the invite's expiry).
	ConsentTimeout time.Duration
	// KeepaliveInterval is how often the gateway checks each agent; default 20s.
	KeepaliveInterval time.Duration
	// KeepaliveMissed unanswered keepalives end a session; default 3.
	KeepaliveMissed int
	// ResumeWindow is how long a session whose link dropped (or whose gateway
	// restarted) waits for its client to reconnect before it ends; default 5 min.
	ResumeWindow time.Duration
	// ResumeMaxAge bounds how long after its creation a session can be
	// resumed, whatever tokens it still holds: pass the session's maximum
	// length. Default 8h; negative: no bound.
	ResumeMaxAge time.Duration
	// Clock returns the time; default time.Now.
	Clock func() time.Time
	// Log is the logger; default discard.
	Log *slog.Logger
}

func (c *Config) checkAndSetDefaults() error {
	if c.Store == nil {
		return errors.New("broker: Store is required")
	}
	if c.SSHKey == nil {
		return errors.New("broker: SSHKey is required")
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	if c.ConsentTimeout <= 0 {
		c.ConsentTimeout = 10 * time.Minute
	}
	if c.KeepaliveInterval <= 0 {
		c.KeepaliveInterval = 20 * time.Second
	}
	if c.KeepaliveMissed <= 0 {
		c.KeepaliveMissed = 3
	}
	if c.ResumeWindow <= 0 {
		c.ResumeWindow = 5 * time.Minute
	}
	if c.ResumeMaxAge == 0 {
		c.ResumeMaxAge = 8 * time.Hour
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	c.Log = c.Log.With("component", "broker")
	return nil
}

// Broker tracks live sessions.
type Broker struct {
	cfg Config

	mu      sync.Mutex
	live    map[string]*Live
	pending map[string]*time.Timer // sessions waiting for their client to reconnect
	closed  bool
	wg      sync.WaitGroup // one per live session
}

// New returns a Broker.
func New(cfg Config) (*Broker, error) {
	if err := cfg.checkAndSetDefaults(); err != nil {
		return nil, err
	}
	return &Broker{cfg: cfg, live: map[string]*Live{}, pending: map[string]*time.Timer{}}, nil
}

// ErrNotLive means the session is not connected to this gateway.
var ErrNotLive = errors.New("session is not connected")

// ErrShuttingDown is the cause given to sessions when the gateway stops.
var ErrShuttingDown = cause.GatewayShutdown

// ErrLinkLost is the cause of a session whose connection dropped.
var ErrLinkLost = cause.LinkLost

// errRestarting is the cause given to sessions when the gateway restarts:
// they are kept, and their clients come back.
var errRestarting = cause.GatewayRestart

// Live returns the live session with that id.
func (b *Broker) Live(id string) (*Live, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.live[id]
	if !ok {
		return nil, ErrNotLive
	}
	return l, nil
}

// Count returns the number of live sessions.
func (b *Broker) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.live)
}

func (b *Broker) add(l *Live) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.live[l.ID] = l
	b.wg.Add(1)
	return true
}

func (b *Broker) remove(l *Live) {
	b.mu.Lock()
	delete(b.live, l.ID)
	b.mu.Unlock()
	b.wg.Done()
}

// Close ends every live session with reason and waits (bounded by ctx) for
// them to be recorded as ended.
func (b *Broker) Close(ctx context.Context, reason string) error {
	return b.close(ctx, cause.With(cause.GatewayShutdown, reason))
}

// Suspend is Close for a restart: clients are asked to reconnect, and
// their sessions wait for them (see ResumeWindow) instead of ending.
func (b *Broker) Suspend(ctx context.Context) error {
	return b.close(ctx, errRestarting)
}

func (b *Broker) close(ctx context.Context, cause error) error {
	b.mu.Lock()
	b.closed = true
	all := make([]*Live, 0, len(b.live))
	for _, l := range b.live {
		all = append(all, l)
	}
	for id, t := range b.pending {
		t.Stop()
		delete(b.pending, id)
	}
	b.mu.Unlock()
	for _, l := range all {
		l.cancel(cause)
	}
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *Broker) record(ctx context.Context, e audit.Event) {
	if b.cfg.Audit == nil {
		return
	}
	if err := b.cfg.Audit.Record(ctx, e); err != nil {
		b.cfg.Log.Error("audit record failed", "action", e.Action, "err", err)
	}
}

func (b *Broker) notify(s store.Session) {
	if b.cfg.OnSession != nil {
		b.cfg.OnSession(s)
	}
}
