package screen

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetherhq/tether/internal/wire"
)

// Monitors: the client lists its monitors in the hello; a viewer picks one
// (or all) with a control {"type":"monitor"}; the switch is audited (the
// api package's hook), passed to the client, and affects every viewer of
// the feed, since they share one capture. The client answers with a new
// hello, which the feed records (a hello entry in the .tsr) and announces
// to every viewer with a "monitor" signal; the keyframe of the new size
// follows.
//
//	viewer ── control monitor ──► View.switchMonitor ── audit ──► client
//	client ── hello ──► feed.newHello ── recording + every View ──► "monitor" signal

// MonitorSwitch describes one switch, for its audit entry.
type MonitorSwitch struct {
	Actor       string
	SessionID   string
	TicketID    int64
	RecordingID string
	From, To    int                 // monitor indexes; wire.ScreenAllMonitors is the whole screen
	Monitor     *wire.ScreenMonitor // the monitor switched to; nil for the whole screen
	Viewers     int                 // views of the feed, all of which switch
}

// OnMonitor sets the hook that records a monitor switch asked by this view
// before it is passed on; its error refuses the switch. Without a hook
// switches are refused (nothing takes effect unaudited). Call before Serve.
func (ss *View) OnMonitor(audit func(context.Context, MonitorSwitch) error) { ss.audit = audit }

// switchMonitor checks a viewer's monitor control against the client's
// list, audits it and sends it to the client.
func (ss *View) switchMonitor(c *wire.ScreenControl) error {
	h := ss.f.currentHello()
	to := *c.Monitor
	if to != wire.ScreenAllMonitors && to >= len(h.Monitors) {
		return fmt.Errorf("monitor %d refused: the client has %d", to, len(h.Monitors))
	}
	if to == h.Monitor || to == wire.ScreenAllMonitors && len(h.Monitors) == 0 {
		return nil // already streamed
	}
	if ss.audit == nil {
		return errors.New("monitor switch refused: it cannot be audited")
	}
	sw := MonitorSwitch{Actor: ss.actor, SessionID: ss.f.sess.ID, TicketID: ss.f.sess.TicketID, RecordingID: ss.f.rec.ID(),
		From: h.Monitor, To: to, Viewers: ss.f.viewerCount()}
	if to != wire.ScreenAllMonitors {
		m := h.Monitors[to]
		sw.Monitor = &m
	}
	if err := ss.audit(context.Background(), sw); err != nil {
		return errors.New("monitor switch refused: the audit entry could not be written")
	}
	if err := ss.f.control(c); err != nil {
		return errors.New("the client did not take the control")
	}
	return nil
}

// currentHello is the client's latest hello.
func (f *feed) currentHello() wire.ScreenHello {
	f.helloMu.Lock()
	defer f.helloMu.Unlock()
	return f.hello
}

func (f *feed) viewerCount() int {
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	return len(f.viewers)
}

// newHello takes a hello the client sent after a monitor switch: it is
// recorded like a frame and every viewer is told.
func (f *feed) newHello(rec []byte) error {
	h, err := wire.ScreenParseHello(rec)
	if err != nil {
		return err
	}
	f.helloMu.Lock()
	h.CanControl = f.hello.CanControl // the first hello's answer stands; scopes are checked per event
	f.hello = *h
	f.helloMu.Unlock()
	if err := f.rec.Append(rec); err != nil {
		return errRecording
	}
	f.h.mu.Lock()
	f.comp.invalidate() // it shows the old area; the client's keyframe of the new one follows
	for v := range f.viewers {
		select {
		case v.rescreen <- struct{}{}:
		default: // one is pending: the view reads the latest hello anyway
		}
	}
	f.h.mu.Unlock()
	return nil
}

var errRecording = errors.New("the recording failed")

// monitorJSON is the "monitor" signal: what the feed streams now.
type monitorJSON struct {
	Monitor  int                  `json:"monitor"`
	Width    int                  `json:"width"`
	Height   int                  `json:"height"`
	Monitors []wire.ScreenMonitor `json:"monitors"`
}

func monitorOf(h wire.ScreenHello) *monitorJSON {
	m := &monitorJSON{Monitor: h.Monitor, Width: h.Width, Height: h.Height, Monitors: h.Monitors}
	if m.Monitors == nil {
		m.Monitors = []wire.ScreenMonitor{}
	}
	if len(h.Monitors) == 0 {
		m.Monitor = wire.ScreenAllMonitors
	}
	return m
}

// sendMonitors tells the viewer each time the feed's monitor changes.
func (ss *View) sendMonitors(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ss.v.rescreen:
		}
		ss.signal(signalMsg{Type: sigMonitor, Monitor: monitorOf(ss.f.currentHello())})
	}
}
