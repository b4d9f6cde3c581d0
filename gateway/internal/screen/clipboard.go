package screen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/tetherhq/tether/internal/wire"
)

// Clipboard text travels on the feed's channel (wire: control clipboard
// and clipboard_get, record type 4) and on the viewers' signaling:
//
//	viewer → gateway  {"type":"control","control":{"type":"clipboard","text":"..."}}
//	                  {"type":"control","control":{"type":"clipboard_get"}}
//	gateway → viewer  {"type":"clipboard","text":"..."}  the user copied (or was asked)
//	                  {"type":"clipboard","size":N}      the user's text was over the limit
//
// Only a viewer with control (role, client and scope control now) sends
// or receives, and each transfer is audited (Config.Clipboard) before it
// is delivered: a transfer whose audit entry fails does not happen.

// ClipboardTransfer is one clipboard transfer, for its audit entry. The
// text itself is not in it: its length and hash are.
type ClipboardTransfer struct {
	SessionID string
	TicketID  int64
	Actor     string // the technician who sent or received it
	ToUser    bool   // technician → user's clipboard; false: user → technician
	Chars     int    // characters (runes)
	Bytes     int    // bytes of UTF-8
	SHA256    string // hex SHA-256 of the UTF-8 text
}

func newTransfer(text string, toUser bool) ClipboardTransfer {
	sum := sha256.Sum256([]byte(text))
	return ClipboardTransfer{ToUser: toUser, Chars: utf8.RuneCountInString(text), Bytes: len(text), SHA256: hex.EncodeToString(sum[:])}
}

// clipboardOn says whether this viewer may use the clipboard now.
func (ss *View) clipboardOn() bool {
	return ss.f.hello.Clipboard && ss.controlGranted()
}

// clipboardControl checks and audits a viewer's clipboard control, then
// sends it to the client.
func (ss *View) clipboardControl(c *wire.ScreenControl) error {
	if !ss.clipboardOn() {
		return errors.New("clipboard refused: the user did not grant scope control (or your role does not allow it, or this client has no clipboard)")
	}
	if c.Type == wire.ScreenClipboard {
		t := newTransfer(c.Text, true)
		t.SessionID, t.TicketID, t.Actor = ss.f.sess.ID, ss.f.sess.TicketID, ss.actor
		if err := ss.h.cfg.Clipboard(context.Background(), t); err != nil {
			ss.h.cfg.Log.Error("audit clipboard", "session_id", t.SessionID, "err", err)
			return errors.New("clipboard refused: the transfer could not be audited")
		}
	}
	if err := ss.f.control(c); err != nil {
		return errors.New("the client did not take the clipboard")
	}
	return nil
}

// clipQueue hands the user's clipboard records from the feed's reader to
// one delivering goroutine, so that auditing and a slow viewer never hold
// up the frames. It keeps their order; when it is full, a record is dropped.
type clipQueue struct {
	f    *feed
	q    chan *wire.ScreenClipboardText
	done chan struct{}
}

// clipQueueLen is how many of the user's copies may wait for delivery.
const clipQueueLen = 4

func (f *feed) startClipboard() *clipQueue {
	cq := &clipQueue{f: f, q: make(chan *wire.ScreenClipboardText, clipQueueLen), done: make(chan struct{})}
	go func() {
		defer close(cq.done)
		for c := range cq.q {
			f.clipboardFromUser(c)
		}
	}()
	return cq
}

// offer parses rec and queues it; a bad record is an error (the feed ends).
func (cq *clipQueue) offer(rec []byte) error {
	c, err := wire.ScreenParseClipboard(rec)
	if err != nil {
		return err
	}
	select {
	case cq.q <- c:
	default:
		cq.f.h.cfg.Log.Warn("screen: clipboard text dropped: the previous copies are still being delivered", "session_id", cq.f.sess.ID)
	}
	return nil
}

// stop waits for the queued records to be delivered.
func (cq *clipQueue) stop() {
	close(cq.q)
	<-cq.done
}

// clipboardFromUser delivers the user's clipboard text to every viewer
// allowed to receive it, each after its audit entry.
func (f *feed) clipboardFromUser(c *wire.ScreenClipboardText) {
	f.h.mu.Lock()
	views := make([]*View, 0, len(f.views))
	for ss := range f.views {
		views = append(views, ss)
	}
	f.h.mu.Unlock()
	for _, ss := range views {
		if !ss.clipboardOn() {
			continue
		}
		if c.Text == "" {
			ss.signal(signalMsg{Type: sigClipboard, Size: c.Size, Reason: fmt.Sprintf(
				"The user's clipboard holds %d KiB of text, more than the %d KiB limit: it was not sent.", (c.Size+1023)>>10, wire.ScreenClipboardMax>>10)})
			continue
		}
		t := newTransfer(c.Text, false)
		t.SessionID, t.TicketID, t.Actor = f.sess.ID, f.sess.TicketID, ss.actor
		if err := f.h.cfg.Clipboard(context.Background(), t); err != nil {
			f.h.cfg.Log.Error("audit clipboard", "session_id", t.SessionID, "err", err)
			ss.signal(signalMsg{Type: sigError, Reason: "the user's clipboard text was not delivered: the transfer could not be audited"})
			continue
		}
		ss.signal(signalMsg{Type: sigClipboard, Text: c.Text})
	}
}

// addView and removeView keep the views that serve (they receive clipboard text).
func (f *feed) addView(ss *View) {
	f.h.mu.Lock()
	if f.views == nil {
		f.views = map[*View]struct{}{}
	}
	f.views[ss] = struct{}{}
	f.h.mu.Unlock()
}

func (f *feed) removeView(ss *View) {
	f.h.mu.Lock()
	delete(f.views, ss)
	f.h.mu.Unlock()
}
