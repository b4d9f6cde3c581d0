// Package window is the end user's consent window: a small web page the
// client serves on 127.0.0.1 and opens in the default browser. It asks for
// the invite code when none is known, asks for consent, shows what the
// technician does while the session runs (with a switch per permission to
// revoke it, End session and a chat), puts live requests for more
// permissions and file questions to the user, and at the end asks for a
// rating.
//
// The page is a local attack surface (think of Zoom's local web server,
// 2019): it listens on loopback only, answers only a browser that opened the
// one-time secret link (which sets a SameSite=Strict cookie), checks Host
// (DNS rebinding) and Origin (cross-site requests) and sends the gateway's
// strict headers. See security.go and docs/security.md.
package window

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// Config configures a Window.
type Config struct {
	// Open shows a URL to the user; default: the OS's opener ($BROWSER
	// first on Unix, then xdg-open or open; rundll32 on Windows).
	Open func(url string) error
	// Log receives diagnostics for the developer, never secrets. Default: discard.
	Log *slog.Logger
	// Closed is called (from the window's own goroutine) when the last open
	// page went away and none came back within ClosedGrace: the program
	// can tell the user how to open it again (NewLink). Optional.
	Closed func()
	// ClosedGrace is how long a page may be away (a reload) before Closed
	// is called; default 3s.
	ClosedGrace time.Duration
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Actions are what the page's buttons do; the program wires them to the agent.
type Actions struct {
	Say    func(ctx context.Context, text string) error
	Revoke func(ctx context.Context, sc wire.Scopes) error
	End    func()
	Rate   func(ctx context.Context, rating int, comment string) error
	// StopFiles stops the file transfer running now (the Stop button).
	StopFiles func()
}

// ErrClosed means the window stopped serving.
var ErrClosed = errors.New("window: closed")

// Window is one consent window. Its methods are safe for concurrent use.
type Window struct {
	cfg    Config
	ln     net.Listener
	host   string // "127.0.0.1:PORT", the only Host and Origin host accepted
	origin string // "http://127.0.0.1:PORT"
	cookie string // the session cookie's value, set by a one-time link
	srv    *http.Server
	done   chan struct{} // closed when Serve returns
	stop   chan struct{} // closed when Serve starts to shut down: streams end

	mu      sync.Mutex
	links   map[string]bool // one-time secrets not yet used
	actions Actions
	st      state
	changed chan struct{} // closed and replaced on every change
	streams int           // open /events streams
	gone    *time.Timer   // pending Closed call
	rated   chan struct{} // closed once a rating was sent and the page told
	rateOne sync.Once
}

// Rated is closed once the user's rating was sent to the gateway and the
// page has its answer: the program may quit then without cutting the
// page off mid-reply.
func (w *Window) Rated() <-chan struct{} { return w.rated }

// New listens on 127.0.0.1 on a free port; Serve serves.
func New(cfg Config) (*Window, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Open == nil {
		cfg.Open = OpenBrowser
	}
	if cfg.ClosedGrace <= 0 {
		cfg.ClosedGrace = 3 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("window: listen on loopback: %w", err)
	}
	w := &Window{rated: make(chan struct{}), cfg: cfg, ln: ln, host: ln.Addr().String(), cookie: secret(),
		links: map[string]bool{}, changed: make(chan struct{}), done: make(chan struct{}), stop: make(chan struct{})}
	w.origin = "http://" + w.host
	w.st = newState()
	w.links[secret()] = true
	w.srv = &http.Server{
		Handler:           w.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelDebug),
	}
	return w, nil
}

// Serve serves the page until ctx ends. It does not open the browser: call
// Show (or print URL) once the program wants the user to look.
func (w *Window) Serve(ctx context.Context) error {
	defer close(w.done)
	shutDown := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(shutDown)
		close(w.stop) // /events streams end first, so Shutdown does not wait for them
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = w.srv.Shutdown(sctx)
	})
	err := w.srv.Serve(w.ln)
	// Serve returns as soon as Shutdown starts; wait for Shutdown to finish
	// the open replies (the page's event stream ends cleanly, not cut off
	// by the program's exit).
	if !stop() {
		<-shutDown
	}
	w.mu.Lock()
	if w.gone != nil {
		w.gone.Stop()
	}
	w.mu.Unlock()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// URL returns the first one-time link (the one New minted); after it was
// used it opens nothing: use NewLink.
func (w *Window) URL() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k := range w.links {
		return w.link(k)
	}
	return w.link(w.mint())
}

// NewLink mints a fresh one-time link (to reopen a closed window).
func (w *Window) NewLink() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.link(w.mint())
}

// Show opens link in the user's browser with Config.Open.
func (w *Window) Show(link string) error { return w.cfg.Open(link) }

// SetActions sets what the page's buttons do.
func (w *Window) SetActions(a Actions) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.actions = a
}

// maxLinks bounds the unused one-time links kept.
const maxLinks = 8

func (w *Window) mint() string {
	if len(w.links) >= maxLinks {
		for k := range w.links {
			delete(w.links, k)
			break
		}
	}
	k := secret()
	w.links[k] = true
	return k
}

func (w *Window) link(k string) string { return w.origin + "/open?k=" + k }

func secret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
