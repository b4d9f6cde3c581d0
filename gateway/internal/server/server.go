// Package server wires the gateway together: data directory, certificates,
// keys, store, audit, broker and API, and runs the HTTPS server with a
// graceful shutdown. The binary only parses flags and calls it.
//
// It is the one place that chooses the store backend (store.go: Store, the
// union of what the gateway's parts declare, and OpenStore), and it gives
// the gateway its instance id (instance.go, DATA/instance-id): the owner of
// the sessions and recordings it creates, and the only rows its crash
// recovery (recover.go) touches. See docs/storage.md.
package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/gateway/internal/api"
	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/recorder"
	"github.com/tetherhq/tether/gateway/internal/rtc"
	"github.com/tetherhq/tether/gateway/internal/runbook"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// Config configures a gateway.
type Config struct {
	// DataDir holds the database, keys, certificates and recordings. Required.
	DataDir string
	// Listen is the address to listen on; default 127.0.0.1:8443.
	Listen string
	// PublicURL is how clients and browsers reach the gateway; default
	// https://<listen address> (resolved after listening, so port 0 works).
	PublicURL string
	// TLSCert and TLSKey are operator-supplied PEM files; default: the dev CA in DataDir/certs.
	TLSCert, TLSKey string
	// AdminPassword is used for the first admin user; default: generated and printed once.
	AdminPassword string
	// BestEffortRecording keeps shells open when a recording cannot be written (default: strict).
	BestEffortRecording bool
	// MaxFileSize bounds one file transfer in bytes (docs/files.md); default 100 MiB.
	MaxFileSize int64
	// WebUI is the built web UI. Optional.
	WebUI fs.FS
	// DownloadsDir holds client binaries served at /download, read on every request; "" serves none (tether-gateway serve defaults it to ./dist).
	DownloadsDir string
	// ReadyFile, when set, receives {"url","fingerprint"} once the gateway serves.
	ReadyFile string
	// Out receives the one-time admin password notice; default os.Stdout.
	Out io.Writer
	// ResumeWindow is how long a session waits for its client after a dropped
	// link or a restart; default 5 min.
	ResumeWindow time.Duration
	// ShutdownTimeout bounds a graceful stop; default 10s.
	ShutdownTimeout time.Duration
	// DebugAddr, when set, serves pprof and expvar there (loopback only; see debug.go).
	DebugAddr string
	// ReadHeaderTimeout bounds reading a request's headers (slow-header clients); default 10s.
	ReadHeaderTimeout time.Duration
	// TokenTTL is how long a sign-in lasts; default 12h. Whatever a user
	// holds open (a shell, a screen view, the event stream) ends with it.
	TokenTTL time.Duration
	// Security sets MFA per role, the per-user API limit and the session policy (see api.Security).
	Security api.Security
	// ICE configures WebRTC for screen viewers: STUN/TURN, NAT 1:1 address,
	// UDP ports, or Loopback for tests and `make run` (see rtc.Config).
	ICE rtc.Config
	// NoWebRTC serves screens over the WebSocket only.
	NoWebRTC bool
	// FaultScreenDrop drops the first N messages to each screen viewer
	// (fault injection for tests; see screen.Config.DropFirst). Default 0.
	FaultScreenDrop int
	// Log is the logger; default discard.
	Log *slog.Logger
}

func (c *Config) checkAndSetDefaults() error {
	if c.DataDir == "" {
		return errors.New("server: DataDir is required")
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8443"
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("server: --tls-cert and --tls-key go together")
	}
	if c.Out == nil {
		c.Out = os.Stdout
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = 10 * time.Second
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Server is a running gateway.
type Server struct {
	cfg    Config
	ln     net.Listener
	url    *url.URL
	bundle *certs.Bundle
	store  Store
	// instance is this gateway's id (see loadOrCreateInstance).
	instance string
	broker   *broker.Broker
	api      *api.API
	http     *http.Server
}

// Paths inside the data directory.
const (
	dbFile        = "tether.db"
	certsDir      = "certs"
	keysDir       = "keys"
	recordingsDir = "recordings"
)

// New prepares the data directory and listens; Serve then serves.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.checkAndSetDefaults(); err != nil {
		return nil, err
	}
	log := cfg.Log.With("component", "server")
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("server: listen on %s: %w", cfg.Listen, err)
	}
	s := &Server{cfg: cfg, ln: ln}
	ok := false
	defer func() {
		if !ok {
			s.closeAll()
		}
	}()
	if s.url, err = publicURL(cfg.PublicURL, ln.Addr()); err != nil {
		return nil, err
	}
	if s.bundle, err = LoadCertificates(cfg.DataDir, s.url.Hostname(), cfg.TLSCert, cfg.TLSKey, cfg.Log); err != nil {
		return nil, err
	}
	keys := filepath.Join(cfg.DataDir, keysDir)
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return nil, fmt.Errorf("server: keys dir: %w", err)
	}
	jwtKey, err := auth.LoadOrCreateKey(filepath.Join(keys, "jwt.pem"))
	if err != nil {
		return nil, fmt.Errorf("server: jwt key: %w", err)
	}
	signKey, err := auth.LoadOrCreateKey(filepath.Join(keys, "signing.pem"))
	if err != nil {
		return nil, fmt.Errorf("server: signing key: %w", err)
	}
	if err := writePublicKey(filepath.Join(keys, "signing.pub"), signKey); err != nil {
		return nil, err
	}
	sshKey, err := auth.LoadOrCreateKey(filepath.Join(keys, "ssh.pem"))
	if err != nil {
		return nil, fmt.Errorf("server: ssh key: %w", err)
	}
	sshSigner, err := ssh.NewSignerFromKey(sshKey)
	if err != nil {
		return nil, fmt.Errorf("server: ssh key: %w", err)
	}
	if s.instance, err = loadOrCreateInstance(cfg.DataDir); err != nil {
		return nil, err
	}
	if s.store, err = openStore(ctx, cfg.DataDir, s.instance); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	blobs, err := blob.NewDir(filepath.Join(cfg.DataDir, recordingsDir))
	if err != nil {
		return nil, fmt.Errorf("server: recordings dir: %w", err)
	}
	var hub *api.Hub
	auditLog, err := audit.New(audit.Config{Store: s.store, Log: cfg.Log, OnAppend: func(e store.AuditEntry) {
		if hub != nil {
			hub.Publish("audit", e)
		}
	}})
	if err != nil {
		return nil, err
	}
	resumable, err := recoverAfterCrash(ctx, s.store, s.instance, blobs, auditLog, log)
	if err != nil {
		return nil, err
	}
	if err := bootstrapAdmin(ctx, s.store, auditLog, cfg.AdminPassword, cfg.Out); err != nil {
		return nil, err
	}
	tokens, err := auth.NewTokens(auth.TokensConfig{Key: jwtKey, Issuer: s.url.String(), Audience: "tether", TTL: cfg.TokenTTL})
	if err != nil {
		return nil, fmt.Errorf("server: tokens: %w", err)
	}
	s.broker, err = broker.New(broker.Config{
		Store: s.store, Audit: auditLog, SSHKey: sshSigner, Log: cfg.Log,
		Limiter:      auth.NewLimiter(auth.LimiterConfig{Burst: 30, Every: 2 * time.Second}),
		ConnLimiter:  auth.NewLimiter(auth.LimiterConfig{Burst: 1000, Every: 10 * time.Millisecond}),
		OnSession:    func(ss store.Session) { hub.Publish("session", ss) },
		OnChat:       func(m store.ChatMessage) { hub.Publish("chat", m) },
		OnAsk:        func(x store.Ask) { hub.Publish("ask", x) },
		OnInviteUsed: func(inv store.Invite) { hub.Publish("invite", api.InviteEventOf(inv, api.InviteUsed)) },
		ResumeWindow: cfg.ResumeWindow,
		ResumeMaxAge: cfg.Security.SessionMaxLength, // a session cannot be resumed past its maximum length
	})
	if err != nil {
		return nil, err
	}
	s.broker.ExpectResume(resumable)
	mode := recorder.Strict
	if cfg.BestEffortRecording {
		mode = recorder.BestEffort
	}
	downloads := cfg.DownloadsDir
	runbooks, err := runbook.Load(filepath.Join(cfg.DataDir, "runbooks"))
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	var rtcEngine *rtc.Engine
	if !cfg.NoWebRTC {
		ice := cfg.ICE
		ice.Log = cfg.Log
		if rtcEngine, err = rtc.New(ice); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	s.api, err = api.New(api.Config{
		Store: s.store, Broker: s.broker, Tokens: tokens, Audit: auditLog, Blobs: blobs,
		PublicURL: s.url, Fingerprint: s.bundle.Fingerprint, SigningKey: signKey,
		Runbooks: runbooks, WebUI: cfg.WebUI, DownloadsDir: downloads, RecordingMode: mode, Log: cfg.Log,
		Security: cfg.Security, RTC: rtcEngine, FaultScreenDrop: cfg.FaultScreenDrop, MaxFileSize: cfg.MaxFileSize,
	})
	if err != nil {
		return nil, err
	}
	hub = s.api.Hub()
	s.http = &http.Server{
		Handler:           s.api,
		TLSConfig:         s.bundle.ServerTLSConfig(),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Log.With("component", "http").Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ok = true
	return s, nil
}

// URL is the gateway's public URL.
func (s *Server) URL() *url.URL { return s.url }

// Fingerprint is the pinned key's SHA-256.
func (s *Server) Fingerprint() []byte { return s.bundle.Fingerprint }

// Serve serves until ctx ends, then shuts down gracefully: live shells are
// told and their recordings sealed, agents are told, then connections close.
func (s *Server) Serve(ctx context.Context) error {
	log := s.cfg.Log.With("component", "server")
	if s.cfg.DebugAddr != "" {
		stopDebug, err := startDebug(s.cfg.DebugAddr, log)
		if err != nil {
			return err
		}
		defer stopDebug()
	}
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(tls.NewListener(s.ln, s.http.TLSConfig)) }()
	if s.cfg.ReadyFile != "" {
		if err := writeReady(s.cfg.ReadyFile, s.url.String(), certs.FormatFingerprint(s.bundle.Fingerprint)); err != nil {
			log.Error("write ready file", "err", err)
		}
	}
	log.Info("gateway serving", "url", s.url.String(), "fingerprint", certs.FormatFingerprint(s.bundle.Fingerprint), "instance", s.instance)
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	s.http.SetKeepAlivesEnabled(false)
	s.ln.Close() // stop accepting
	if err := s.api.Close(sctx); err != nil {
		log.Error("closing shells", "err", err)
	}
	// Clients are asked to come back: their sessions resume when we restart.
	if err := s.broker.Suspend(sctx); err != nil {
		log.Error("closing sessions", "err", err)
	}
	if err := s.http.Shutdown(sctx); err != nil {
		s.http.Close()
	}
	s.closeAll()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && !errors.Is(serveErr, net.ErrClosed) {
		return serveErr
	}
	return nil
}

func (s *Server) closeAll() {
	if s.ln != nil {
		s.ln.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
}

func publicURL(given string, addr net.Addr) (*url.URL, error) {
	if given != "" {
		u, err := url.Parse(given)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("server: --public-url must look like https://host[:port], got %q", given)
		}
		u.Path = ""
		return u, nil
	}
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return &url.URL{Scheme: "https", Host: net.JoinHostPort(host, port)}, nil
}

func writeReady(path, u, fp string) error {
	b, _ := json.Marshal(map[string]string{"url": u, "fingerprint": fp})
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writePublicKey(path string, key ed25519.PrivateKey) error {
	pub, err := ssh.NewPublicKey(key.Public())
	if err != nil {
		return err
	}
	return os.WriteFile(path, ssh.MarshalAuthorizedKey(pub), 0o644)
}

// adminStore is what bootstrapAdmin needs.
type adminStore interface {
	CountUsers(ctx context.Context) (int, error)
	CreateUser(ctx context.Context, u *store.User) error
}

// bootstrapAdmin creates the first admin when there are no users.
func bootstrapAdmin(ctx context.Context, st adminStore, al *audit.Logger, password string, out io.Writer) error {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return fmt.Errorf("server: count users: %w", err)
	}
	if n > 0 {
		return nil
	}
	printed := false
	if password == "" {
		password = randomPassword()
		printed = true
	}
	if err := auth.ValidatePassword(password); err != nil {
		return fmt.Errorf("server: TETHER_ADMIN_PASSWORD: %w", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	if err := st.CreateUser(ctx, &store.User{Name: "admin", DisplayName: "Administrator", Role: store.RoleAdmin, PasswordHash: hash}); err != nil {
		return fmt.Errorf("server: create admin: %w", err)
	}
	al.Record(ctx, audit.Event{Actor: "gateway", Action: audit.ActionUserCreate, Details: map[string]any{"user": "admin", "role": "admin", "bootstrap": true}})
	if printed {
		fmt.Fprintf(out, "\n  First start: created user \"admin\" with password\n\n      %s\n\n  It is shown only this once. Sign in and change it under Security\n  (in the console's left navigation: Security, Change password).\n\n", password)
	} else {
		fmt.Fprintln(out, "First start: created user \"admin\" with the password from TETHER_ADMIN_PASSWORD.")
	}
	return nil
}

func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var sb strings.Builder
	for i := 0; i < 20; i++ {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		sb.WriteByte(alphabet[n.Int64()])
	}
	return sb.String()
}
