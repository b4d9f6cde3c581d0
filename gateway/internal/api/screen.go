package api

import (
	"context"
	"errors"
	"github.com/tetherhq/tether/internal/wire"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/screen"
)

// screenWriteWait bounds one write to a screen viewer's WebSocket.
const screenWriteWait = 10 * time.Second

// screen serves one viewer of a session's screen: GET
// /api/v1/sessions/{id}/screen[?transport=websocket], a WebSocket carrying
// the signaling and, after a fallback, the frames (package screen). As
// for the shell, the channel and the recording are opened before the
// upgrade so refusals are plain HTTP errors (403 without scope screen).
func (a *API) screen(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	want := r.URL.Query().Get("transport")
	if want != "" && want != screen.TransportWebRTC && want != screen.TransportWebSocket {
		writeError(w, http.StatusBadRequest, "transport must be webrtc or websocket")
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		// A plain GET is the preflight: would the screen open now, and if not, why.
		a.scopePreflight(w, s, wire.ScopeScreen)
		return
	}
	l := a.liveFor(w, r, s)
	if l == nil {
		return
	}
	p := who(r)
	held, release := a.hold(context.Background(), r, "screen", auth.ActScreenView, s.TicketID, s.ID)
	defer release()
	view, err := a.screens.Join(l, s, p.Name, p.Display)
	if err != nil {
		switch {
		case a.refused(w, r, s, "screen", err):
		case errors.Is(err, screen.ErrRecordingStart):
			writeErrorCode(w, http.StatusServiceUnavailable, codeRecordingFailed, "the recording could not be started, so the screen is not shown")
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
		view.Leave()
		return
	}
	ws.SetReadLimit(screen.SignalReadMax)
	hello := view.Hello()
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionScreenOpen, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"recording_id": view.RecordingID(), "width": hello.Width, "height": hello.Height, "monitor": hello.Monitor, "monitors": len(hello.Monitors)}})
	view.OnMonitor(func(ctx context.Context, sw screen.MonitorSwitch) error {
		return a.cfg.Audit.Record(ctx, audit.Event{Actor: p.Name, Action: audit.ActionScreenMonitor, TicketID: s.TicketID, SessionID: s.ID,
			RemoteAddr: r.RemoteAddr, Details: monitorDetails(sw)})
	})
	reason := view.Serve(held, wsMessages{ws, screenWriteWait}, auth.Can(string(p.Role), auth.ActScreenControl), want)
	st := view.Stats()
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionScreenClose, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"recording_id": view.RecordingID(), "reason": reason, "frames": st.Frames, "bytes": st.Bytes,
			"dropped": st.Dropped, "inputs": st.Inputs, "transport": st.Transport}})
}

// monitorDetails are the audit details of a monitor switch.
func monitorDetails(sw screen.MonitorSwitch) map[string]any {
	d := map[string]any{"recording_id": sw.RecordingID, "from": sw.From, "to": sw.To, "viewers": sw.Viewers}
	if m := sw.Monitor; m != nil {
		d["name"], d["x"], d["y"], d["width"], d["height"] = m.Name, m.X, m.Y, m.Width, m.Height
	} else {
		d["name"] = "all"
	}
	return d
}

// auditClipboard records one clipboard transfer of a screen view; the
// screen hub delivers the text only when this succeeds.
func (a *API) auditClipboard(ctx context.Context, t screen.ClipboardTransfer) error {
	dir := "from_user"
	if t.ToUser {
		dir = "to_user"
	}
	return a.cfg.Audit.Record(context.WithoutCancel(ctx), audit.Event{Actor: t.Actor, Action: audit.ActionScreenClipboard,
		TicketID: t.TicketID, SessionID: t.SessionID,
		Details: map[string]any{"direction": dir, "chars": t.Chars, "bytes": t.Bytes, "sha256": t.SHA256}})
}
