// Package agent is the client side of a Tether session: it dials out to the
// gateway, runs the consent handshake, and then serves SSH over the same
// WebSocket with the gateway as the only allowed SSH client. Every channel
// the gateway opens is checked against the scopes the user granted, here on
// the user's machine, whatever the gateway believes.
//
// tether-client runs one agent; tether-loadgen runs thousands of the same
// agent in one process for benchmarks, through the hooks at the end of
// Config (hooks.go): a dialer, buffer sizes, a shell without a pty.
package agent

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/client/internal/shell"
	"github.com/tetherhq/tether/internal/wire"
)

// Consent asks the user which of the offered scopes to grant. Returning an
// empty set or an error declines the whole invite.
type Consent func(ctx context.Context, offer wire.Offer) (wire.Scopes, error)

// EventKind says what happened, for the user's terminal.
type EventKind string

// Event kinds reported to Config.Events.
const (
	EventConnected     EventKind = "connected"      // handshake done, session live
	EventChannelOpen   EventKind = "channel_open"   // a technician opened something
	EventChannelClose  EventKind = "channel_close"  // it ended
	EventRefused       EventKind = "refused"        // a channel outside the granted scopes was refused
	EventDiagCollected EventKind = "diag_collected" // a diagnostics check finished
	EventDiagAccess    EventKind = "diag_access"    // diagnostics read (or refused) a file, contacted a host
	EventEnded         EventKind = "ended"          // the session is over
	EventReconnecting  EventKind = "reconnecting"   // the link dropped; trying to resume
	EventRevoked       EventKind = "revoked"        // the user withdrew scopes
)

// Event is one line for the user.
type Event struct {
	Kind    EventKind
	Actor   string // technician's display name, when known
	What    string // "shell", "diagnostics", ...
	Message string // the sentence to print
	// Session is the gateway's session id (EventConnected only), for
	// programs that run agents; the user reads it in Message.
	Session string
	// Scope is the scope a channel uses (shell, diagnostics, screen) on
	// channel and diagnostics events; control on EventControl.
	Scope wire.Scope
	// Channel identifies a channel for the agent's life: the same on its
	// open, close and the events between ("" for others).
	Channel string
	// Active is EventControl's state: true when the technician took
	// control, false when it was released (no input for ControlIdle).
	Active bool
	// Restart is EventReconnecting's cause: true when the gateway asked the
	// client to come back (it is restarting), false when the link dropped.
	Restart bool
	// Done and Total are a file transfer's progress in bytes (file events).
	Done, Total int64
}

// maxEventText bounds an event's sentence, in runes.
const maxEventText = 1000

// clean returns e with every text field stripped of control characters
// (an escape sequence could rewrite or hide what the user reads) and bounded.
func (e Event) clean() Event {
	e.Kind = EventKind(wire.CleanText(string(e.Kind), 32))
	e.Actor = wire.CleanText(e.Actor, 64)
	e.What = wire.CleanText(e.What, 64)
	e.Message = wire.StripControl(e.Message, maxEventText)
	e.Session = wire.CleanText(e.Session, 64)
	e.Scope = wire.Scope(wire.CleanText(string(e.Scope), 32))
	e.Channel = wire.CleanText(e.Channel, 32)
	return e
}

// DiagHandler runs one diagnostics request, calling run.Emit for each
// finished check and run.Access for each file read and host contacted. It
// is provided by the binary (package diag) so this package stays small.
type DiagHandler func(ctx context.Context, req wire.DiagRequest, run DiagRun) []wire.DiagResult

// DiagRun is what the agent gives a DiagHandler for one request.
type DiagRun struct {
	// Actor is the technician's display name (already cleaned).
	Actor string
	// Emit sends one finished check to the gateway; never call it concurrently.
	Emit func(wire.DiagResult)
	// Access shows the user, as it happens, one thing the run touched:
	// "reading /var/log/syslog", "contacting example.com:443". The text
	// is cleaned of control characters before it is printed.
	Access func(line string)
}

// Config configures one agent session.
type Config struct {
	// Join is the parsed join string (gateway address, code, fingerprint).
	Join wire.Join
	// Consent decides what to grant. Required.
	Consent Consent
	// Host describes this machine; filled from the OS when zero.
	Host wire.HostInfo
	// Version is the client's version string.
	Version string
	// TLS overrides the TLS client config (tests). Default: pin Join.Fingerprint.
	TLS *tls.Config
	// Shell configures the shells started for technicians (program, env).
	Shell shell.Config
	// Diag runs diagnostics; nil refuses the tether-diag channel.
	Diag DiagHandler
	// Screen serves screen view; nil refuses the tether-screen channel.
	Screen ScreenHandler
	// Files serves file transfers; nil refuses the tether-files channel.
	Files *FilesConfig
	// Revoke carries scopes the user withdraws while the session runs
	// (typed on the terminal). Optional.
	Revoke <-chan wire.Scopes
	// Events receives a line for every channel opened, closed or refused.
	Events func(Event)
	// ConsentMethod says how Consent asks the user (wire.ConsentWindow,
	// ConsentTerminal, ConsentFlag); it is sent in the Accept and recorded
	// in the gateway's audit trail. "" sends nothing (unknown).
	ConsentMethod string
	// Chat receives each chat message from the technician (cleaned). It
	// must not block for long. nil: the agent refuses chat.
	Chat func(wire.ChatMessage)
	// Ask puts a technician's live request for more scopes to the user,
	// in its own goroutine; its ctx ends with the link. nil: asks refused.
	Ask AskFunc
	// HandshakeTimeout bounds dialing and each non-interactive handshake step; default 15s.
	HandshakeTimeout time.Duration
	// KeepaliveInterval is how often the agent checks the gateway is alive; default 15s.
	KeepaliveInterval time.Duration
	// KeepaliveMissed is how many unanswered keepalives end the session; default 3.
	KeepaliveMissed int
	// ResumeWindow is how long the agent keeps trying to reconnect after the
	// link drops or the gateway restarts; default 5 min. Negative disables it.
	ResumeWindow time.Duration
	// Log receives diagnostics for the developer, never secrets. Default: discard.
	Log *slog.Logger

	// Hooks for running many agents in one process (tether-loadgen) and
	// for tests; the client binary leaves them zero. See hooks.go.

	// Dial opens the TCP connection to the gateway, under TLS and the
	// WebSocket. Default: a net.Dialer. tether-loadgen dials from its own
	// loopback source address per agent.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// BufferSize is the WebSocket's read and write buffer size in bytes;
	// default 16 KiB. Thousands of idle agents in one process use less.
	BufferSize int
	// StartShell starts the program behind a technician's shell; default
	// shell.Start (a pty). tether-loadgen serves a synthetic shell instead.
	StartShell func(shell.Config) (Shell, error)
}

func (c *Config) checkAndSetDefaults() error {
	if c.Join.Addr == "" || c.Join.Code == "" {
		return errors.New("agent: join string has no gateway address or code")
	}
	if c.Consent == nil {
		return errors.New("agent: Consent is required")
	}
	if c.ConsentMethod != "" && !wire.ValidConsent(c.ConsentMethod) {
		return fmt.Errorf("agent: unknown consent method %q", c.ConsentMethod)
	}
	if c.BufferSize <= 0 {
		c.BufferSize = 16 << 10
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = 15 * time.Second
	}
	if c.KeepaliveInterval <= 0 {
		c.KeepaliveInterval = 15 * time.Second
	}
	if c.KeepaliveMissed <= 0 {
		c.KeepaliveMissed = 3
	}
	if c.ResumeWindow == 0 {
		c.ResumeWindow = 5 * time.Minute
	}
	if c.Events == nil {
		c.Events = func(Event) {}
	}
	// Every line goes to the user's terminal, and many carry text the
	// gateway chose (names, titles, ids, reasons): no control character
	// reaches the terminal, whichever path built the line.
	events := c.Events
	c.Events = func(e Event) { events(e.clean()) }
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Host == (wire.HostInfo{}) {
		c.Host = LocalHost()
	}
	c.Log = c.Log.With("component", "agent")
	return nil
}

// Causes of a session's end, as the user reads them.
var (
	ErrEndedByUser    = errors.New("ended by user")
	ErrEndedByGateway = errors.New("ended by the gateway")
	ErrLinkLost       = errors.New("connection to the gateway lost")
	ErrDeclined       = errors.New("declined by user")
	// errRestarting means the gateway asked us to come back (it restarts).
	errRestarting = errors.New("the gateway is restarting")
	// errResumeSSH means a resume got its Welcome but not its SSH
	// handshake (always together with ErrLinkLost): the resume window keeps
	// running from the link lost before it.
	errResumeSSH = errors.New("the resumed link dropped during its SSH handshake")
)

// Run connects, asks for consent, and serves the session until it ends.
// Cancelling ctx ends the session "by user" (that is what Ctrl-C does).
// The returned error is nil when the session ended normally (by the user
// or the technician), and otherwise says why it failed.
func Run(ctx context.Context, cfg Config) error {
	a, err := New(cfg)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

func (a *Agent) run(ctx context.Context) error {
	cfg := &a.cfg
	hs, err := handshake(ctx, cfg)
	if err != nil {
		return err
	}
	var deadline time.Time // for reconnecting: the window runs from the last working link
	for {
		a.welcomed(hs)
		s := &session{cfg: cfg, hs: hs, agent: a}
		err := s.serve(ctx)
		if !errors.Is(err, ErrLinkLost) && !errors.Is(err, errRestarting) || cfg.ResumeWindow < 0 {
			return err
		}
		granted := s.scopes()
		if !errors.Is(err, errResumeSSH) || deadline.IsZero() {
			deadline = time.Now().Add(cfg.ResumeWindow)
		}
		cfg.Events(Event{Kind: EventReconnecting, Restart: errors.Is(err, errRestarting),
			Message: fmt.Sprintf("%s; reconnecting (for up to %s, Ctrl-C to stop) ...", upperFirst(err.Error()), cfg.ResumeWindow)})
		if hs, err = reconnect(ctx, cfg, hs, granted, deadline); err != nil {
			cfg.Events(Event{Kind: EventEnded, Message: "Session ended: " + err.Error() + "."})
			if ctx.Err() != nil {
				return nil // the user pressed Ctrl-C while we were reconnecting
			}
			return err
		}
	}
}

// reconnect retries resume with jittered exponential backoff until it
// works, the gateway says the session is over, ctx ends or the window closes.
func reconnect(ctx context.Context, cfg *Config, prev *handshakeResult, granted wire.Scopes, deadline time.Time) (*handshakeResult, error) {
	backoff := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		// Full jitter in [backoff/2, backoff*3/2) so that many agents do not
		// stampede a gateway that just restarted.
		wait := backoff/2 + time.Duration(mrand.Int64N(int64(backoff)))
		select {
		case <-ctx.Done():
			return nil, ErrEndedByUser
		case <-time.After(wait):
		}
		hs, err := resume(ctx, cfg, prev, granted)
		if err == nil {
			return hs, nil
		}
		if errors.Is(err, wire.ErrNoSession) {
			return nil, fmt.Errorf("the gateway no longer has this session: %w", err)
		}
		cfg.Log.Info("reconnect attempt failed", "attempt", attempt, "err", err)
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: could not reconnect within %s: %v", ErrLinkLost, cfg.ResumeWindow, err)
		}
		backoff = min(backoff*2, 8*time.Second)
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// session is one connected agent.
type session struct {
	cfg   *Config
	hs    *handshakeResult
	agent *Agent
	asks  asker

	mu      sync.Mutex
	granted wire.Scopes
	open    map[wire.Scope]map[ssh.Channel]struct{} // channels by the scope they need
	// ending returns why the session is ending, once serve knows (the
	// gateway restarts, the user ended it, the link dropped), else nil.
	ending func() error
}

func (s *session) scopes() wire.Scopes {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(wire.Scopes(nil), s.granted...)
}

func (s *session) hasScope(sc wire.Scope) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.granted.Has(sc)
}

func (s *session) event(e Event) {
	s.cfg.Events(e)
}

func describe(actor string) string {
	if actor == "" {
		return "the technician"
	}
	return actor
}

func scopeWhat(channelType string) string {
	switch channelType {
	case wire.ChannelSession:
		return "a shell"
	case wire.ChannelDiag:
		return "diagnostics"
	case wire.ChannelScreen:
		return "screen view"
	case wire.ChannelFiles:
		return "a file transfer"
	}
	return fmt.Sprintf("%q", wire.CleanText(channelType, 32))
}
