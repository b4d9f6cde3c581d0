package screen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/rtc"
	"github.com/tetherhq/tether/internal/wire"
)

// statsEvery is how often a viewer is sent its counters.
const statsEvery = time.Second

// Transports of a viewer.
const (
	transportWaiting   = ""
	TransportWebRTC    = "webrtc"
	TransportWebSocket = "websocket"
)

// Conn is a viewer's message-framed connection (the api package adapts
// its WebSocket): text messages carry the signaling, binary ones the
// frames after a fallback. Writes are never concurrent.
type Conn interface {
	// ReadMessage returns the next message and whether it is text.
	ReadMessage() (text bool, p []byte, err error)
	WriteText(p []byte) error
	WriteBinary(p []byte) error
	// Close sends reason (a close frame) and closes; ReadMessage returns.
	Close(reason string) error
}

// View is one viewer of a session's screen, from Hub.Join until Serve
// returns (or Leave, when it never serves).
type View struct {
	h          *Hub
	l          Session
	f          *feed
	v          *viewer
	ws         Conn
	actor      string
	canControl bool // client can inject and the role allows it; scopes are checked per event

	wmu sync.Mutex // one writer on ws

	mu   sync.Mutex
	mode string
	peer *rtc.Peer

	frames, bytes, inputs atomic.Int64
	cancel                context.CancelCauseFunc
	dropLeft              int                                        // WebSocket messages still to drop (Config.DropFirst); sendFrames only
	audit                 func(context.Context, MonitorSwitch) error // OnMonitor
}

// Hello is the agent's description of the screen (the latest, after a monitor switch).
func (ss *View) Hello() wire.ScreenHello { return ss.f.currentHello() }

// RecordingID is the id of the feed's recording.
func (ss *View) RecordingID() string { return ss.f.rec.ID() }

// Leave leaves the feed without serving (the upgrade failed); the last
// viewer to leave seals the recording.
func (ss *View) Leave() { ss.f.leave(ss.v) }

// Stats are a view's counters, for the audit entry of its end.
type Stats struct {
	Frames, Bytes, Dropped, Inputs int64
	Transport                      string
}

// Stats returns the view's counters.
func (ss *View) Stats() Stats {
	return Stats{Frames: ss.frames.Load(), Bytes: ss.bytes.Load(), Dropped: ss.v.dropped.Load(), Inputs: ss.inputs.Load(), Transport: ss.transport()}
}

func (ss *View) transport() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.mode
}

// Message kinds for write.
const (
	msgText = iota
	msgBinary
)

func (ss *View) write(typ int, p []byte) error {
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	if typ == msgText {
		return ss.ws.WriteText(p)
	}
	return ss.ws.WriteBinary(p)
}

func (ss *View) signal(s signalMsg) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return ss.write(msgText, b)
}

// Serve runs the viewer over ws until it leaves, held ends (the technician
// lost the right), or the feed or session ends, then leaves the feed (the
// last viewer seals the recording) and says why. canControl says whether
// the technician's role allows input (the user's scope is checked per
// event); want is the transport asked for ("" or TransportWebRTC: WebRTC
// when the hub has an engine).
func (ss *View) Serve(held context.Context, ws Conn, canControl bool, want string) string {
	a := ss.h
	fh := ss.f.currentHello()
	ss.ws, ss.canControl = ws, fh.CanControl && canControl
	ss.dropLeft = a.cfg.DropFirst
	ctx, cancel := context.WithCancelCause(context.Background())
	ss.cancel = cancel
	untrack := a.cfg.Track(cancel)
	defer untrack()
	defer ss.f.leave(ss.v)
	ss.f.addView(ss)
	defer ss.f.removeView(ss)

	useRTC := a.cfg.RTC != nil && want != TransportWebSocket
	mon := monitorOf(fh)
	hello := &helloJSON{Width: fh.Width, Height: fh.Height, Display: fh.Display, CanControl: ss.canControl && ss.controlGranted(), Monitors: mon.Monitors, Monitor: mon.Monitor,
		RecordingID: ss.f.rec.ID(), Transport: TransportWebSocket, ChunkHeader: rtc.ChunkHeader, ICEServers: []rtc.ICEServer{}}
	hello.Clipboard = ss.clipboardOn()
	if useRTC {
		hello.Transport = TransportWebRTC
		hello.ICEServers = a.cfg.RTC.ICEServers()
	} else {
		ss.mode = TransportWebSocket
	}
	ss.signal(signalMsg{Type: sigHello, Hello: hello})
	// The first picture, at once: over the WebSocket while WebRTC connects.
	ss.startOver()

	var wg sync.WaitGroup
	if useRTC {
		octx, ocancel := context.WithTimeout(ctx, a.cfg.RTC.ConnectTimeout())
		peer, sdp, err := a.cfg.RTC.Offer(octx)
		ocancel()
		if err != nil {
			a.cfg.Log.Warn("screen: WebRTC offer", "err", err)
			ss.fallback("the gateway could not start WebRTC")
		} else {
			peer.DropFirst(a.cfg.DropFirst)
			ss.mu.Lock()
			ss.peer = peer
			ss.mu.Unlock()
			ss.signal(signalMsg{Type: sigOffer, SDP: sdp})
			wg.Add(1)
			go func() { defer wg.Done(); ss.watchPeer(ctx, peer) }()
		}
	}
	wg.Add(4)
	go func() { defer wg.Done(); ss.sendMonitors(ctx) }()
	go func() { defer wg.Done(); ss.readSignals(ctx) }()
	go func() { defer wg.Done(); ss.sendFrames(ctx) }()
	go func() { defer wg.Done(); ss.sendStats(ctx) }()

	select {
	case <-ctx.Done():
	case <-held.Done():
		cancel(context.Cause(held))
	case <-ss.f.done:
		cancel(fmt.Errorf("screen view ended: %w", ss.f.cause))
	case <-ss.l.Done():
		cancel(broker.SessionEnded(ss.l.Cause()))
	}
	reason := context.Cause(ctx).Error()
	ss.signal(signalMsg{Type: sigError, Reason: reason})
	ss.wmu.Lock()
	ss.ws.Close(truncate(reason, 100))
	ss.wmu.Unlock()
	ss.mu.Lock()
	peer := ss.peer
	ss.peer = nil
	ss.mu.Unlock()
	if peer != nil {
		peer.Close()
	}
	wg.Wait()
	return reason
}

// watchPeer switches to WebRTC when the data channel opens, and to the
// WebSocket when it does not open in time or the connection dies.
func (ss *View) watchPeer(ctx context.Context, p *rtc.Peer) {
	t := time.NewTimer(ss.h.cfg.RTC.ConnectTimeout())
	defer t.Stop()
	select {
	case <-p.Opened():
		ss.mu.Lock()
		if ss.peer == p && ss.mode == transportWaiting {
			ss.mode = TransportWebRTC
		}
		ss.mu.Unlock()
		ss.startOver()
	case <-t.C:
		ss.fallback(fmt.Sprintf("WebRTC did not connect within %v", ss.h.cfg.RTC.ConnectTimeout()))
		return
	case <-p.Dead():
		ss.fallback("the WebRTC connection failed")
		return
	case <-ctx.Done():
		return
	}
	select {
	case <-p.Dead():
		ss.fallback("the WebRTC connection was lost")
	case <-ctx.Done():
	}
}

// startOver makes the viewer's next frame a keyframe: the composite's at
// once, or the client's.
func (ss *View) startOver() {
	ss.f.refresh(ss.v, false)
}

// fallback moves the stream to the WebSocket (once).
func (ss *View) fallback(reason string) {
	ss.mu.Lock()
	if ss.mode == TransportWebSocket {
		ss.mu.Unlock()
		return
	}
	ss.mode = TransportWebSocket
	p := ss.peer
	ss.peer = nil
	ss.mu.Unlock()
	ss.signal(signalMsg{Type: sigFallback, Reason: reason})
	if p != nil {
		p.Close()
	}
	ss.startOver()
}

// readSignals reads the viewer's messages and dispatches them.
func (ss *View) readSignals(ctx context.Context) {
	for {
		text, b, err := ss.ws.ReadMessage()
		if err != nil {
			ss.cancel(errors.New("the viewer left"))
			return
		}
		if !text {
			ss.signal(signalMsg{Type: sigError, Reason: "binary messages are not accepted from viewers"})
			continue
		}
		sig, err := parseSignal(b)
		if err == nil {
			err = ss.handle(sig)
		}
		if err != nil {
			ss.signal(signalMsg{Type: sigError, Reason: err.Error()})
		}
	}
}

// handle is the one place where viewer messages are dispatched.
func (ss *View) handle(sig *signalMsg) error {
	ss.mu.Lock()
	peer := ss.peer
	ss.mu.Unlock()
	switch sig.Type {
	case sigAnswer:
		if peer == nil {
			return errors.New("no WebRTC offer is pending")
		}
		return peer.Accept(sig.SDP)
	case sigCandidate:
		if peer == nil {
			return nil // late candidate after a fallback
		}
		return peer.AddCandidate(*sig.Candidate)
	case sigFallback:
		ss.fallback("the viewer asked for the WebSocket: " + wire.CleanText(sig.Reason, 100))
		return nil
	case sigStats:
		if st := sig.Stats; st != nil {
			ss.h.cfg.Log.Debug("screen viewer stats", "actor", ss.actor, "fps", st.FPS, "frames", st.Frames, "dropped", st.Dropped)
		}
		return nil
	case sigControl:
		c, err := controlOf(sig.Control)
		if err != nil {
			return err
		}
		return ss.control(c)
	}
	return fmt.Errorf("unknown message type %q", sig.Type)
}

// controlGranted reports whether input is allowed right now.
func (ss *View) controlGranted() bool {
	return ss.canControl && ss.l.Granted().Has(wire.ScopeControl)
}

func (ss *View) control(c *wire.ScreenControl) error {
	switch c.Type {
	case wire.ScreenKeyframe:
		ss.f.refresh(ss.v, true)
		return nil
	case wire.ScreenPause:
		ss.v.paused.Store(true)
		return nil
	case wire.ScreenResume:
		ss.v.paused.Store(false)
		ss.startOver()
		return nil
	case wire.ScreenClipboard, wire.ScreenClipboardGet:
		return ss.clipboardControl(c)
	case wire.ScreenMonitorMsg:
		return ss.switchMonitor(c)
	case wire.ScreenInputMsg:
		if !ss.controlGranted() {
			return errors.New("control refused: the user did not grant scope control (or your role does not allow it)")
		}
		ss.inputs.Add(1)
	}
	if err := ss.f.control(c); err != nil {
		return errors.New("the client did not take the control")
	}
	return nil
}

// sendFrames moves frames from the viewer's queue to its transport:
// keyframes on the reliable data channel, deltas on the lossy one (or both
// on the WebSocket). Once the queue drains after a drop, the viewer gets a
// keyframe (a still screen would send nothing that heals its picture).
func (ss *View) sendFrames(ctx context.Context) {
	for {
		var it queued
		select {
		case <-ctx.Done():
			return
		case it = <-ss.v.q:
		}
		ss.mu.Lock()
		mode, peer := ss.mode, ss.peer
		ss.mu.Unlock()
		sent := false
		switch mode {
		case transportWaiting:
			// WebRTC is still connecting: the first picture goes over the
			// WebSocket rather than wait for it (the data channel then
			// starts over from a keyframe).
			fallthrough
		case TransportWebSocket:
			if ss.faultDrop() {
				break
			}
			if err := ss.write(msgBinary, it.rec); err != nil {
				ss.cancel(errors.New("the viewer disconnected"))
				return
			}
			sent = true
		case TransportWebRTC:
			err := peer.Send(it.rec, it.key)
			if errors.Is(err, rtc.ErrBacklog) {
				// The viewer is behind: drop, and once the channel had time
				// to drain, start over from a keyframe.
				ss.v.dropped.Add(1)
				ss.v.waitKey.Store(true)
				ss.v.refresh.Store(true)
				select {
				case <-ctx.Done():
					return
				case <-time.After(backlogPause):
				}
			} else if err != nil {
				ss.fallback("the WebRTC connection failed")
				continue
			} else {
				sent = true
			}
		}
		if sent {
			ss.frames.Add(1)
			ss.bytes.Add(int64(len(it.rec)))
		}
		if len(ss.v.q) == 0 && ss.v.refresh.Swap(false) {
			ss.f.refresh(ss.v, false)
		}
	}
}

// backlogPause is how long a viewer whose data channel is over its buffer
// limit gets to drain it before it is sent a keyframe.
const backlogPause = 50 * time.Millisecond

// faultDrop reports whether to drop this WebSocket message (Config.DropFirst, tests).
func (ss *View) faultDrop() bool {
	if ss.dropLeft <= 0 {
		return false
	}
	ss.dropLeft--
	return true
}

// sendStats reports counters to the viewer once a second.
func (ss *View) sendStats(ctx context.Context) {
	t := time.NewTicker(statsEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ss.signal(signalMsg{Type: sigStats, Stats: &statsJSON{Transport: ss.transport(), Frames: ss.frames.Load(),
			Bytes: ss.bytes.Load(), Dropped: ss.v.dropped.Load()}})
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
