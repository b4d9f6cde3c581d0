// Package screen serves live screens: one capture per session, fanned out
// to every viewer through a bounded queue, recorded frame by frame, with
// each viewer's WebRTC signaling (or WebSocket fallback). It exists so
// that the api package only authenticates, upgrades and audits: the feed,
// the viewer queues and the signaling live here, over a broker.ScreenStream
// and a Conn the caller adapts from its WebSocket.
//
//	agent ── tether-screen ──► feed.run ──► recording.Screen (every frame)
//	                               └──► viewer queues (bounded; full → drop,
//	                                    skip deltas, ask for a keyframe)
//	                                         └──► View: WebRTC data channel (rtc)
//	                                                    or the viewer's WebSocket
//
// The first viewer opens the channel and the recording; the last one to
// leave closes both (the recording is sealed before its Serve returns).
package screen

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"

	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/recording"
	"github.com/tetherhq/tether/gateway/internal/rtc"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// Session is the live session a feed belongs to (*broker.Live is one).
type Session interface {
	// Done is closed when the session ends; Cause then says why.
	Done() <-chan struct{}
	Cause() error
	// Granted is what the user allows now (scope screen, scope control).
	Granted() wire.Scopes
}

// Recordings starts screen recordings (*recording.Service is one).
type Recordings interface {
	StartScreen(ctx context.Context, sess *store.Session, actor string, h *wire.ScreenHello) (*recording.Screen, error)
}

// Config configures a Hub.
type Config struct {
	// Recordings records every feed. Required.
	Recordings Recordings
	// RTC makes viewers' WebRTC peers. Optional: nil serves screens over
	// the WebSocket only.
	RTC *rtc.Engine
	// Touch is told of activity on a session (a watched screen counts for
	// the idle timeout). Optional.
	Touch func(sessionID string)
	// Track registers a serving view's cancel function so that the caller
	// can end every view at shutdown; untrack is called when Serve returns.
	// Optional.
	Track func(cancel context.CancelCauseFunc) (untrack func())
	// DropFirst is fault injection for tests (gateway flag
	// --fault-screen-drop): the first DropFirst messages sent to each
	// viewer are dropped (WebRTC: data-channel chunks, on either channel;
	// WebSocket: frame messages), as a lossy link would. Default 0.
	DropFirst int
	// Clipboard audits one clipboard transfer before it is delivered; an
	// error refuses it. Default: refuse every transfer (no audit, no clipboard).
	Clipboard func(ctx context.Context, t ClipboardTransfer) error
	// Log is the logger; default discard.
	Log *slog.Logger
}

// Hub holds the feeds of live sessions.
type Hub struct {
	cfg Config

	startMu sync.Mutex // serialises opening feeds, which takes a round trip
	mu      sync.Mutex
	feeds   map[string]*feed
}

// New returns a Hub.
func New(cfg Config) (*Hub, error) {
	if cfg.Recordings == nil {
		return nil, errors.New("screen: Recordings is required")
	}
	if cfg.Touch == nil {
		cfg.Touch = func(string) {}
	}
	if cfg.Track == nil {
		cfg.Track = func(context.CancelCauseFunc) func() { return func() {} }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Clipboard == nil {
		cfg.Clipboard = func(context.Context, ClipboardTransfer) error {
			return errors.New("clipboard transfers are not audited here")
		}
	}
	return &Hub{cfg: cfg, feeds: map[string]*feed{}}, nil
}

// Join makes a view of session s's screen for actor (display is the name
// the user sees), opening the channel and the recording when nobody is
// watching yet. A refusal by the client is a *broker.RefusedError; a
// recording that cannot start is ErrRecordingStart. The view must be
// served (View.Serve) or left (View.Leave).
func (h *Hub) Join(l *broker.Live, s *store.Session, actor, display string) (*View, error) {
	return h.joinOn(l, func() (io.ReadWriteCloser, error) { return l.OpenScreen(display) }, s, actor)
}

// joinOn is Join over any session and channel (tests use pipes).
func (h *Hub) joinOn(l Session, open opener, s *store.Session, actor string) (*View, error) {
	v := newViewer()
	f, err := h.join(l, open, s, actor, v)
	if err != nil {
		return nil, err
	}
	return &View{h: h, l: l, f: f, v: v, actor: actor}, nil
}
