package screen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/recording"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// One capture per live session, shared by every viewer: see the package doc.

// helloTimeout bounds the wait for the client's hello.
const helloTimeout = 15 * time.Second

// feed is one tether-screen channel and its recording.
type feed struct {
	h     *Hub
	l     Session
	sess  store.Session
	ch    io.ReadWriteCloser // a broker.ScreenStream
	hello wire.ScreenHello   // the latest (a monitor switch sends a new one); guarded by helloMu
	rec   *recording.Screen

	helloMu sync.Mutex // guards hello (monitor.go)

	wmu sync.Mutex // serialises control records to the client

	// guarded by h.mu
	viewers map[*viewer]struct{}
	views   map[*View]struct{} // serving views, for clipboard text (clipboard.go)
	closing bool
	comp    composite // the current picture, for viewers that need one at once

	keyMu      sync.Mutex
	keyPending bool
	keyAsked   time.Time

	done     chan struct{} // closed when run stops reading
	finished chan struct{} // closed once the recording is sealed
	cause    error         // why, set before done closes
}

// join returns the session's feed with v added, opening the channel and
// the recording when nobody is watching yet.
func (h *Hub) join(l Session, open opener, s *store.Session, actor string, v *viewer) (*feed, error) {
	h.startMu.Lock()
	defer h.startMu.Unlock()
	h.mu.Lock()
	f := h.feeds[s.ID]
	if f != nil && !f.closing {
		f.viewers[v] = struct{}{}
		h.mu.Unlock()
		// A late joiner starts on a keyframe of the composite once its
		// transport is up (View.startOver), without asking the client.
		return f, nil
	}
	h.mu.Unlock()
	if f != nil {
		<-f.finished // the previous feed is sealing; start a fresh one after it
	}
	f, err := h.open(l, open, s, actor)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.feeds == nil {
		h.feeds = map[string]*feed{}
	}
	h.feeds[s.ID] = f
	f.viewers[v] = struct{}{}
	h.mu.Unlock()
	go f.run()
	return f, nil
}

// ErrRecordingStart says the recording could not be started (so no screen is shown).
var ErrRecordingStart = errors.New("the recording could not be started")

// opener opens the session's screen channel.
type opener func() (io.ReadWriteCloser, error)

func (h *Hub) open(l Session, open opener, s *store.Session, actor string) (*feed, error) {
	ch, err := open()
	if err != nil {
		return nil, err
	}
	type result struct {
		h   *wire.ScreenHello
		err error
	}
	got := make(chan result, 1)
	go func() { h, err := wire.ScreenDecodeHello(ch); got <- result{h, err} }()
	var hello *wire.ScreenHello
	select {
	case r := <-got:
		if r.err != nil {
			ch.Close()
			return nil, fmt.Errorf("screen hello: %w", r.err)
		}
		hello = r.h
	case <-time.After(helloTimeout):
		ch.Close()
		<-got
		return nil, errors.New("screen hello: the client did not answer")
	}
	f := &feed{h: h, l: l, sess: *s, ch: ch, hello: *hello, viewers: map[*viewer]struct{}{},
		done: make(chan struct{}), finished: make(chan struct{})}
	if f.rec, err = h.cfg.Recordings.StartScreen(context.Background(), s, actor, hello); err != nil {
		ch.Close()
		h.cfg.Log.Error("start screen recording", "session_id", s.ID, "err", err)
		return nil, ErrRecordingStart
	}
	return f, nil
}

// leave removes v; the last viewer closes the feed and waits for the seal.
func (f *feed) leave(v *viewer) {
	h := f.h
	h.mu.Lock()
	delete(f.viewers, v)
	last := len(f.viewers) == 0 && !f.closing
	if last {
		f.closing = true
		if h.feeds[f.sess.ID] == f {
			delete(h.feeds, f.sess.ID)
		}
	}
	h.mu.Unlock()
	if last {
		f.ch.Close() // ends run's read; run seals the recording
		<-f.finished
		return
	}
	select {
	case <-f.done: // the feed ended on its own: wait for its seal
		<-f.finished
	default:
	}
}

// run reads records from the client until the channel ends, records and
// fans out every frame, then seals the recording.
func (f *feed) run() {
	br := bufio.NewReaderSize(f.ch, 64<<10)
	var why error // set when the feed ends for a reason of its own
	clips := f.startClipboard()
	for {
		typ, rec, err := wire.ScreenReadRecord(br, wire.ScreenMaxFrame)
		if err != nil {
			break
		}
		if typ == wire.ScreenMsgHello {
			if err := f.newHello(rec); errors.Is(err, errRecording) {
				why = cause.With(cause.RecordingFailed, "the screen view was stopped")
				break
			} else if err != nil {
				why = cause.With(cause.ClientFailed, "the client sent a bad hello: "+err.Error())
				break
			}
			continue
		}
		if typ == wire.ScreenMsgClipboard {
			if err := clips.offer(rec); err != nil {
				why = cause.With(cause.ClientFailed, "the client sent a bad clipboard record: "+err.Error())
				break
			}
			continue
		}
		if typ != wire.ScreenMsgFrame {
			why = cause.With(cause.ClientFailed, fmt.Sprintf("the client sent a record of type %d", typ))
			break
		}
		fr, err := wire.ScreenParseFrame(rec)
		if err != nil {
			why = cause.With(cause.ClientFailed, "the client sent a bad frame: "+err.Error())
			break
		}
		if err := f.rec.Append(rec); err != nil { // strict mode: the recording must not miss what a viewer sees
			why = cause.With(cause.RecordingFailed, "the screen view was stopped")
			break
		}
		key := rec[5]&1 != 0
		if key {
			f.keyMu.Lock()
			f.keyPending = false
			f.keyMu.Unlock()
		}
		f.h.mu.Lock()
		f.comp.apply(fr)
		ask := false
		if len(f.viewers) > 0 {
			f.h.cfg.Touch(f.sess.ID) // a watched screen is activity for the idle timeout
		}
		for v := range f.viewers {
			if !key && v.waitKey.Load() && !v.paused.Load() && len(v.q) < cap(v.q) {
				// A viewer that lost frames (or joined) gets the composite,
				// which includes this frame, instead of waiting for the
				// client's next keyframe.
				if kf := f.comp.keyframe(); kf != nil {
					v.offer(kf, true)
					continue
				}
			}
			if v.offer(rec, key) && !f.comp.valid {
				ask = true
			}
		}
		f.h.mu.Unlock()
		if ask {
			f.requestKeyframe(false)
		}
	}
	clips.stop()
	f.h.mu.Lock()
	left := f.closing // the last viewer's leave closed the channel
	f.closing = true
	if f.h.feeds[f.sess.ID] == f {
		delete(f.h.feeds, f.sess.ID)
	}
	f.h.mu.Unlock()
	f.ch.Close()
	switch {
	case f.l.Cause() != nil:
		why = broker.SessionEnded(f.l.Cause())
	case why != nil:
	case !f.l.Granted().Has(wire.ScopeScreen):
		why = cause.With(cause.UserRevoked, "the user stopped sharing the screen")
	case left:
		why = cause.With(cause.TechnicianEnded, "the last viewer left")
	default:
		why = cause.With(cause.LinkLost, "the client stopped sharing the screen")
	}
	f.cause = why
	close(f.done)
	f.rec.Finish(context.Background(), why)
	close(f.finished)
}

// control sends one control record to the client.
func (f *feed) control(c *wire.ScreenControl) error {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	return wire.ScreenEncodeControl(f.ch, c)
}

// refresh gives v a keyframe: the composite's at once when it has one, else
// the client's next (asked for). asked says the viewer asked for it itself
// (a gap, a lost keyframe): such requests are bounded to one per
// refreshEvery. A viewer whose queue is full gets it when the queue drains.
func (f *feed) refresh(v *viewer, asked bool) {
	h := f.h
	h.mu.Lock()
	now := time.Now()
	if asked && now.Sub(v.lastAsk) < refreshEvery {
		h.mu.Unlock()
		return
	}
	if asked {
		v.lastAsk = now
	}
	v.waitKey.Store(true)
	if v.paused.Load() {
		h.mu.Unlock()
		return // the resume refreshes
	}
	if kf := f.comp.keyframe(); kf != nil {
		select {
		case v.q <- queued{kf, true}:
			v.waitKey.Store(false)
		default:
			v.refresh.Store(true)
		}
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	f.requestKeyframe(!asked)
}

// requestKeyframe asks the client for a keyframe unless one is already on
// its way (asked less than a second ago); force skips that check.
func (f *feed) requestKeyframe(force bool) {
	f.keyMu.Lock()
	now := time.Now()
	if !force && f.keyPending && now.Sub(f.keyAsked) < time.Second {
		f.keyMu.Unlock()
		return
	}
	f.keyPending, f.keyAsked = true, now
	f.keyMu.Unlock()
	f.control(&wire.ScreenControl{Type: wire.ScreenKeyframe})
}
