package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/rtc"
	"github.com/tetherhq/tether/internal/wire"
)

// Screen WebSocket limits.
const (
	screenWriteWait  = 10 * time.Second
	screenStatsEvery = time.Second
)

// Transports of a viewer.
const (
	transportWaiting   = ""
	transportWebRTC    = "webrtc"
	transportWebSocket = "websocket"
)

// screen serves one viewer of a session's screen: GET
// /api/v1/sessions/{id}/screen[?transport=websocket], a WebSocket carrying
// the signaling (screen_signal.go) and, after a fallback, the frames. As
// for the shell, the channel and the recording are opened before the
// upgrade so refusals are plain HTTP errors (403 without scope screen).
func (a *API) screen(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	want := r.URL.Query().Get("transport")
	if want != "" && want != transportWebRTC && want != transportWebSocket {
		writeError(w, http.StatusBadRequest, "transport must be webrtc or websocket")
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		writeError(w, http.StatusBadRequest, "this endpoint needs a WebSocket upgrade")
		return
	}
	l := a.liveFor(w, r, s)
	if l == nil {
		return
	}
	p := who(r)
	held, release := a.hold(context.Background(), r, "screen", auth.ActScreenView, s.TicketID, s.ID)
	defer release()
	v := newScreenViewer()
	f, err := a.joinScreen(l, s, p.Name, p.Display, v)
	if err != nil {
		switch {
		case a.refused(w, r, s, "screen", err):
		case errors.Is(err, errRecordingStart):
			writeError(w, http.StatusServiceUnavailable, "the recording could not be started, so the screen is not shown")
		default:
			a.cfg.Log.Warn("open screen", "session_id", s.ID, "err", err)
			writeError(w, http.StatusBadGateway, "could not open the screen on the client")
		}
		return
	}
	up := websocket.Upgrader{
		ReadBufferSize: 4 << 10, WriteBufferSize: 64 << 10,
		CheckOrigin: func(r *http.Request) bool { return true }, // checked by a.authed before we got here
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		f.leave(v)
		return
	}
	ss := &screenSession{a: a, l: l, f: f, v: v, ws: ws, actor: p.Name,
		canControl: f.hello.CanControl && auth.Can(string(p.Role), auth.ActScreenControl)}
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionScreenOpen, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"recording_id": f.rec.ID(), "width": f.hello.Width, "height": f.hello.Height}})
	reason := ss.serve(held, want)
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionScreenClose, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"recording_id": f.rec.ID(), "reason": reason, "frames": ss.frames.Load(), "bytes": ss.bytes.Load(),
			"dropped": v.dropped.Load(), "inputs": ss.inputs.Load(), "transport": ss.transport()}})
}

// screenSession is one viewer's connection.
type screenSession struct {
	a          *API
	l          *broker.Live
	f          *screenFeed
	v          *screenViewer
	ws         *websocket.Conn
	actor      string
	canControl bool // client can inject and the role allows it; scopes are checked per event

	wmu sync.Mutex // one writer on ws

	mu   sync.Mutex
	mode string
	peer *rtc.Peer

	frames, bytes, inputs atomic.Int64
	cancel                context.CancelCauseFunc
}

func (ss *screenSession) transport() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.mode
}

func (ss *screenSession) write(typ int, p []byte) error {
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	ss.ws.SetWriteDeadline(time.Now().Add(screenWriteWait))
	return ss.ws.WriteMessage(typ, p)
}

func (ss *screenSession) signal(s screenSignal) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return ss.write(websocket.TextMessage, b)
}

// serve runs the viewer until it leaves or the feed or session ends, then
// leaves the feed (the last viewer seals the recording) and says why.
func (ss *screenSession) serve(held context.Context, want string) string {
	a := ss.a
	ss.ws.SetReadLimit(screenSignalMax)
	ctx, cancel := context.WithCancelCause(context.Background())
	ss.cancel = cancel
	untrack := a.shells.track(cancel)
	defer untrack()
	defer ss.f.leave(ss.v)

	useRTC := a.cfg.RTC != nil && want != transportWebSocket
	hello := &screenHelloJSON{Width: ss.f.hello.Width, Height: ss.f.hello.Height, Display: ss.f.hello.Display, CanControl: ss.canControl && ss.controlGranted(),
		RecordingID: ss.f.rec.ID(), Transport: transportWebSocket, ChunkHeader: rtc.ChunkHeader, ICEServers: []rtc.ICEServer{}}
	if useRTC {
		hello.Transport = transportWebRTC
		hello.ICEServers = a.cfg.RTC.ICEServers()
	} else {
		ss.mode = transportWebSocket
	}
	ss.signal(screenSignal{Type: sigHello, Hello: hello})

	var wg sync.WaitGroup
	if useRTC {
		octx, ocancel := context.WithTimeout(ctx, a.cfg.RTC.ConnectTimeout())
		peer, sdp, err := a.cfg.RTC.Offer(octx)
		ocancel()
		if err != nil {
			a.cfg.Log.Warn("screen: WebRTC offer", "err", err)
			ss.fallback("the gateway could not start WebRTC")
		} else {
			ss.mu.Lock()
			ss.peer = peer
			ss.mu.Unlock()
			ss.signal(screenSignal{Type: sigOffer, SDP: sdp})
			wg.Add(1)
			go func() { defer wg.Done(); ss.watchPeer(ctx, peer) }()
		}
	}
	wg.Add(3)
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
		cancel(sessionEnded(ss.l.Cause()))
	}
	reason := context.Cause(ctx).Error()
	ss.signal(screenSignal{Type: sigError, Reason: reason})
	ss.wmu.Lock()
	ss.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, truncate(reason, 100)), time.Now().Add(time.Second))
	ss.wmu.Unlock()
	ss.ws.Close()
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
func (ss *screenSession) watchPeer(ctx context.Context, p *rtc.Peer) {
	t := time.NewTimer(ss.a.cfg.RTC.ConnectTimeout())
	defer t.Stop()
	select {
	case <-p.Opened():
		ss.mu.Lock()
		if ss.peer == p && ss.mode == transportWaiting {
			ss.mode = transportWebRTC
		}
		ss.mu.Unlock()
		ss.startOver()
	case <-t.C:
		ss.fallback(fmt.Sprintf("WebRTC did not connect within %v", ss.a.cfg.RTC.ConnectTimeout()))
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

// startOver makes the viewer's next frame a keyframe.
func (ss *screenSession) startOver() {
	ss.v.waitKey.Store(true)
	ss.f.requestKeyframe(true)
}

// fallback moves the stream to the WebSocket (once).
func (ss *screenSession) fallback(reason string) {
	ss.mu.Lock()
	if ss.mode == transportWebSocket {
		ss.mu.Unlock()
		return
	}
	ss.mode = transportWebSocket
	p := ss.peer
	ss.peer = nil
	ss.mu.Unlock()
	ss.signal(screenSignal{Type: sigFallback, Reason: reason})
	if p != nil {
		p.Close()
	}
	ss.startOver()
}

// readSignals reads the viewer's messages and dispatches them.
func (ss *screenSession) readSignals(ctx context.Context) {
	for {
		typ, b, err := ss.ws.ReadMessage()
		if err != nil {
			ss.cancel(errors.New("the viewer left"))
			return
		}
		if typ != websocket.TextMessage {
			ss.signal(screenSignal{Type: sigError, Reason: "binary messages are not accepted from viewers"})
			continue
		}
		sig, err := parseScreenSignal(b)
		if err == nil {
			err = ss.handle(sig)
		}
		if err != nil {
			ss.signal(screenSignal{Type: sigError, Reason: err.Error()})
		}
	}
}

// handle is the one place where viewer messages are dispatched.
func (ss *screenSession) handle(sig *screenSignal) error {
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
			ss.a.cfg.Log.Debug("screen viewer stats", "actor", ss.actor, "fps", st.FPS, "frames", st.Frames, "dropped", st.Dropped)
		}
		return nil
	case sigControl:
		c, err := screenControlOf(sig.Control)
		if err != nil {
			return err
		}
		return ss.control(c)
	}
	return fmt.Errorf("unknown message type %q", sig.Type)
}

// controlGranted reports whether input is allowed right now.
func (ss *screenSession) controlGranted() bool {
	return ss.canControl && ss.l.Granted().Has(wire.ScopeControl)
}

func (ss *screenSession) control(c *wire.ScreenControl) error {
	switch c.Type {
	case wire.ScreenKeyframe:
		ss.v.waitKey.Store(true)
		ss.f.requestKeyframe(false)
		return nil
	case wire.ScreenPause:
		ss.v.paused.Store(true)
		return nil
	case wire.ScreenResume:
		ss.v.paused.Store(false)
		ss.startOver()
		return nil
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

// sendFrames moves frames from the viewer's queue to its transport.
func (ss *screenSession) sendFrames(ctx context.Context) {
	for {
		var rec []byte
		select {
		case <-ctx.Done():
			return
		case rec = <-ss.v.q:
		}
		ss.mu.Lock()
		mode, peer := ss.mode, ss.peer
		ss.mu.Unlock()
		var err error
		switch mode {
		case transportWaiting:
			ss.v.waitKey.Store(true) // nothing to send on yet; start with a keyframe once connected
			continue
		case transportWebRTC:
			err = peer.Send(rec)
			if errors.Is(err, rtc.ErrBacklog) {
				ss.v.dropped.Add(1)
				ss.startOver()
				continue
			}
			if err != nil {
				ss.fallback("the WebRTC connection failed")
				continue
			}
		case transportWebSocket:
			if err = ss.write(websocket.BinaryMessage, rec); err != nil {
				ss.cancel(errors.New("the viewer disconnected"))
				return
			}
		}
		ss.frames.Add(1)
		ss.bytes.Add(int64(len(rec)))
	}
}

// sendStats reports counters to the viewer once a second.
func (ss *screenSession) sendStats(ctx context.Context) {
	t := time.NewTicker(screenStatsEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ss.signal(screenSignal{Type: sigStats, Stats: &screenStatsJSON{Transport: ss.transport(), Frames: ss.frames.Load(),
			Bytes: ss.bytes.Load(), Dropped: ss.v.dropped.Load()}})
	}
}
