// Package api is the gateway's HTTP surface: the JSON API under /api/v1, the
// technician's shell and screen WebSockets, the live event stream, the
// agent endpoint and the embedded web UI. Handlers authenticate, authorise,
// decode, upgrade, call and encode; the work is done elsewhere:
//
//	GET /api/v1/agent            admit, check Origin, upgrade → broker.Accept
//	GET /sessions/{id}/shell     broker.Live.OpenShell + recording.Service.StartTerminal → term.Run
//	GET /sessions/{id}/screen    screen.Hub.Join → screen.View.Serve (feed, queues, WebRTC)
//	POST /sessions/{id}/diagnostics  broker.Live.OpenDiag → DiagRun.Send / Collect
//	GET /recordings/{id}/meta    recording.Service.Verify
//
// The api holds no SSH, WebRTC or SQL types (internal/archtest enforces
// it): the broker hands out domain handles, rtc and screen own WebRTC, the
// store owns SQL. What is still here beyond HTTP: the holds that end a
// channel when its right goes (lifetime.go, over package rights), the
// session idle/max-length policy (policy.go), and turning a diagnostics
// run's results into a stored report and its audit entry (diag.go).
package api

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/downloads"
	"github.com/tetherhq/tether/gateway/internal/recorder"
	"github.com/tetherhq/tether/gateway/internal/recording"
	"github.com/tetherhq/tether/gateway/internal/rights"
	"github.com/tetherhq/tether/gateway/internal/rtc"
	"github.com/tetherhq/tether/gateway/internal/runbook"
	"github.com/tetherhq/tether/gateway/internal/screen"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// Config configures the API.
type Config struct {
	// Store is the persistence layer. Required.
	Store Store
	// Broker holds live agent sessions. Required.
	Broker *broker.Broker
	// Tokens issues and verifies session tokens. Required.
	Tokens *auth.Tokens
	// Audit records what people do. Required.
	Audit *audit.Logger
	// Blobs stores recordings. Required.
	Blobs blob.Store
	// PublicURL is the gateway's address as clients and browsers reach it,
	// e.g. https://gw.example.com:8443. Required.
	PublicURL *url.URL
	// Fingerprint is the SHA-256 of the public key clients pin (see certs).
	Fingerprint []byte
	// SigningKey signs recording seals. Optional (seals unsigned).
	SigningKey ed25519.PrivateKey
	// WebUI is the built web UI (index.html at its root). Optional.
	WebUI fs.FS
	// Runbooks are the diagnostics presets; default: the embedded ones.
	Runbooks runbook.List
	// DownloadsDir holds client binaries built by `make dist`. Optional.
	DownloadsDir string
	// RTC makes the WebRTC peers of screen viewers. Optional: nil serves
	// screens over the WebSocket only.
	RTC *rtc.Engine
	// FaultScreenDrop: see screen.Config.DropFirst (tests only).
	FaultScreenDrop int
	// RecordingMode is recorder.Strict (default: no recording, no shell) or recorder.BestEffort.
	RecordingMode recorder.Mode
	// LoginLimiter limits login attempts: refused per address and per account+address,
	// slowed (never locked) per account; see login_throttle.go. Default: 10 then 1 per 30s.
	LoginLimiter *auth.Limiter
	// JoinLimiter limits public invite look-ups per address. Default: 30 then 1 per 2s.
	JoinLimiter *auth.Limiter
	// FeedbackLimiter limits ratings posted per address (no sign-in). Default: 10 then 1 per 10s.
	FeedbackLimiter *auth.Limiter
	// MaxBody bounds JSON request bodies; default 1 MiB.
	MaxBody int64
	// MaxFileSize bounds one file transfer (files.go); default wire.DefaultMaxFileSize.
	MaxFileSize int64
	// Security holds the settings of issue #6 (MFA, API rate limit, session policy); see security.go.
	Security
	// Clock returns the time; default time.Now.
	Clock func() time.Time
	// Log is the logger; default discard.
	Log *slog.Logger
}

func (c *Config) checkAndSetDefaults() error {
	switch {
	case c.Store == nil:
		return errors.New("api: Store is required")
	case c.Broker == nil:
		return errors.New("api: Broker is required")
	case c.Tokens == nil:
		return errors.New("api: Tokens is required")
	case c.Blobs == nil:
		return errors.New("api: Blobs is required")
	case c.PublicURL == nil:
		return errors.New("api: PublicURL is required")
	}
	if _, ok := c.Store.(FileStore); !ok {
		return errors.New("api: Store must implement FileStore")
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.LoginLimiter == nil {
		c.LoginLimiter = auth.NewLimiter(auth.LimiterConfig{Burst: 10, Every: 30 * time.Second, Clock: c.Clock})
	}
	if c.JoinLimiter == nil {
		c.JoinLimiter = auth.NewLimiter(auth.LimiterConfig{Burst: 30, Every: 2 * time.Second, Clock: c.Clock})
	}
	if c.FeedbackLimiter == nil {
		c.FeedbackLimiter = auth.NewLimiter(auth.LimiterConfig{Burst: 10, Every: 10 * time.Second, Clock: c.Clock})
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if err := c.Security.checkAndSetDefaults(c.Store, c.Clock); err != nil {
		return err
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	c.Log = c.Log.With("component", "api")
	return nil
}

// API serves HTTP.
type API struct {
	cfg     Config
	hub     *Hub
	handler http.Handler
	shells  shellTracker
	screens *screen.Hub // live screen feeds, one per session
	policy  policyWatcher
	rights  *rights.Registry // the holds of long-lived channels (lifetime.go)
	recs    *recording.Service
	shelf   *downloads.Shelf // client builds served at /download
	xfers   fileBusy         // one file transfer per session (files.go)

	stopRights context.CancelFunc
	rightsDone chan struct{}
}

// New returns the API.
func New(cfg Config) (*API, error) {
	if err := cfg.checkAndSetDefaults(); err != nil {
		return nil, err
	}
	a := &API{cfg: cfg, hub: NewHub(256)}
	a.shelf = downloads.New(downloads.Config{Dir: cfg.DownloadsDir, Pin: certs.FormatFingerprint(cfg.Fingerprint), Log: cfg.Log})
	var err error
	a.recs, err = recording.New(recording.Config{Store: cfg.Store, Blobs: cfg.Blobs, Audit: cfg.Audit, SigningKey: cfg.SigningKey,
		Mode: cfg.RecordingMode, Clock: cfg.Clock, Log: cfg.Log,
		OnChange: func(r store.Recording) { a.hub.Publish("recording", toRecordingJSON(&r)) }})
	if err != nil {
		return nil, err
	}
	a.screens, err = screen.New(screen.Config{Recordings: a.recs, RTC: cfg.RTC, Touch: a.touch, Track: a.shells.track, DropFirst: cfg.FaultScreenDrop, Log: cfg.Log,
		Clipboard: a.auditClipboard})
	if err != nil {
		return nil, err
	}
	a.rights, err = rights.New(rights.Config{Check: a.checkHold, OnEnd: a.rightWithdrawn, Sweep: cfg.Security.RightsSweep, Clock: cfg.Clock, Log: cfg.Log})
	if err != nil {
		return nil, err
	}
	a.handler = a.routes()
	a.policy.start(a)
	ctx, cancel := context.WithCancel(context.Background())
	a.stopRights, a.rightsDone = cancel, make(chan struct{})
	go func() { defer close(a.rightsDone); a.rights.Run(ctx) }()
	return a, nil
}

// Hub returns the live event hub (the server wires store/broker changes into it).
func (a *API) Hub() *Hub { return a.hub }

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Close ends live event streams and shells, sealing their recordings. The
// shells end with cause.GatewayRestart: the server suspends the sessions
// next, and their clients come back.
func (a *API) Close(ctx context.Context) error {
	a.hub.Close()
	a.policy.stop()
	a.stopRights()
	<-a.rightsDone
	return a.shells.closeAll(ctx)
}

func (a *API) routes() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, fn http.HandlerFunc) { mux.HandleFunc(pattern, fn) }

	h("GET /healthz", a.healthz)
	h("POST /api/v1/login", a.login)
	h("POST /api/v1/logout", a.authed(a.logout))
	h("GET /api/v1/me", a.authed(a.me))
	h("GET /api/v1/events", a.authed(a.events))
	h("POST /api/v1/me/mfa/enroll", a.authed(a.mfaEnroll))
	h("POST /api/v1/me/mfa/confirm", a.authed(a.mfaConfirm))
	h("DELETE /api/v1/me/mfa", a.authed(a.mfaDisable))
	h("GET /api/v1/me/mfa", a.authed(a.mfaState))
	h("POST /api/v1/me/password", a.authed(a.changePassword))
	h("POST /api/v1/users/{name}/sign-out", a.can(auth.ActUserAdmin, a.signOutUser))

	h("POST /api/v1/tickets", a.can(auth.ActTicketCreate, a.createTicket))
	h("GET /api/v1/tickets", a.can(auth.ActTicketRead, a.listTickets))
	h("GET /api/v1/tickets/{id}", a.can(auth.ActTicketRead, a.getTicket))
	h("PATCH /api/v1/tickets/{id}", a.can(auth.ActTicketUpdate, a.updateTicket))
	h("POST /api/v1/tickets/{id}/invites", a.can(auth.ActInviteCreate, a.createInvite))
	h("DELETE /api/v1/tickets/{id}/invites/{code}", a.can(auth.ActInviteCreate, a.withdrawInvite))
	h("POST /api/v1/tickets/{id}/escalate", a.can(auth.ActTicketUpdate, a.escalateTicket))
	// Notes: whoever may open tickets may write on any (not only the assignee).
	h("POST /api/v1/tickets/{id}/notes", a.can(auth.ActTicketCreate, a.addNote))
	h("GET /api/v1/tickets/{id}/timeline", a.can(auth.ActTicketRead, a.getTimeline))
	h("GET /api/v1/tickets/{id}/sessions", a.can(auth.ActSessionRead, a.listSessions))

	h("GET /api/v1/sessions", a.can(auth.ActSessionRead, a.listLiveSessions)) // presence.go
	h("GET /api/v1/sessions/{id}", a.can(auth.ActSessionRead, a.getSession))
	h("DELETE /api/v1/sessions/{id}", a.can(auth.ActSessionEnd, a.endSession))
	h("GET /api/v1/sessions/{id}/shell", a.can(auth.ActShellOpen, a.shell))
	h("GET /api/v1/sessions/{id}/screen", a.can(auth.ActScreenView, a.screen))
	h("GET /api/v1/sessions/{id}/chat", a.can(auth.ActSessionRead, a.getChat))
	h("POST /api/v1/sessions/{id}/chat", a.can(auth.ActShellOpen, a.postChat)) // acting on the ticket, like a shell
	h("GET /api/v1/sessions/{id}/asks", a.can(auth.ActSessionRead, a.listAsks))
	h("POST /api/v1/sessions/{id}/asks", a.can(auth.ActShellOpen, a.postAsk))
	h("POST "+wire.FeedbackPath, a.feedback)

	h("POST /api/v1/sessions/{id}/diagnostics", a.can(auth.ActDiagRun, a.runDiagnostics))
	h("GET /api/v1/runbooks", a.can(auth.ActTicketRead, a.listRunbooks))
	h("GET /api/v1/reports/compare", a.can(auth.ActTicketRead, a.compareReports))
	h("GET /api/v1/reports/{id}", a.can(auth.ActTicketRead, a.getReport))

	// Files (files.go): transferring acts on the ticket like diagnostics; the list and the bytes are read like recordings.
	h("POST /api/v1/sessions/{id}/files/collect", a.can(auth.ActDiagRun, a.collectFile))
	h("POST /api/v1/sessions/{id}/files/send", a.can(auth.ActDiagRun, a.sendFile))
	h("GET /api/v1/tickets/{id}/files", a.can(auth.ActRecordingRead, a.listFiles))
	h("GET /api/v1/files/{id}", a.can(auth.ActRecordingRead, a.downloadFile))

	h("GET /api/v1/recordings/{id}", a.can(auth.ActRecordingRead, a.downloadRecording))
	h("GET /api/v1/recordings/{id}/meta", a.can(auth.ActRecordingRead, a.recordingMeta))

	h("GET /api/v1/audit", a.can(auth.ActAuditRead, a.listAudit))
	h("GET /api/v1/audit/verify", a.can(auth.ActAuditRead, a.verifyAudit))
	h("GET /api/v1/audit/actions", a.can(auth.ActAuditRead, a.listAuditActions))
	h("GET /api/v1/audit/export", a.can(auth.ActAuditRead, a.exportAudit))

	h("GET /api/v1/users", a.can(auth.ActUserAdmin, a.listUsers))
	h("POST /api/v1/users", a.can(auth.ActUserAdmin, a.createUser))
	h("PATCH /api/v1/users/{name}", a.can(auth.ActUserAdmin, a.updateUser))

	h("GET /api/v1/join/{code}", a.joinInfo)
	h("GET /api/v1/downloads", a.listDownloads)
	h("GET /download/{os}/{arch}", a.download)
	h("GET /api/v1/agent", a.agent)

	h("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path)
	})
	h("/", a.static)
	return a.secure(mux)
}

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
