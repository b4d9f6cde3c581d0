//go:build linux

package screen

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"

	"github.com/tetherhq/tether/internal/wire"
)

// The X11 clipboard is the CLIPBOARD selection (ICCCM §2). To set it, the
// client owns the selection with a hidden window of its own and answers
// the SelectionRequest of any program that pastes (targets TARGETS,
// UTF8_STRING, TEXT, text/plain;charset=utf-8 and STRING). To read it, it
// asks the owner to convert the selection to UTF8_STRING (STRING when the
// owner has no UTF-8) into a property of its window, then reads and
// deletes the property, following the INCR protocol when the owner sends
// the text in pieces. XFIXES tells it when another program takes the
// selection (the user copied something); without XFIXES, changes are not
// seen and only Request reads.
//
// Text is at most wire.ScreenClipboardMax bytes, so the client never needs
// INCR to serve it (a request of 64 KiB is far below any X server's
// maximum request length); text read over the limit is dropped whole and
// only its size reported. Everything runs on one event loop goroutine that
// Close waits for.

// clipReadTimeout bounds the wait for the selection owner's answer.
const clipReadTimeout = 3 * time.Second

type x11Clipboard struct {
	conn   *xgb.Conn
	win    xproto.Window
	atoms  clipAtoms
	onRead func(ClipboardRead)
	done   chan struct{} // closed when the event loop returns

	mu    sync.Mutex
	owned []byte // UTF-8 text we serve while we own CLIPBOARD; nil: not owner
	// the read in progress, touched by the loop and by Request
	reading  bool
	readAt   time.Time
	target   xproto.Atom // what we asked the owner for
	incr     bool        // receiving INCR pieces into buf
	incrSkip bool        // INCR over the limit: drain and drop
	buf      []byte
	size     int
	closed   bool
}

type clipAtoms struct {
	clipboard, targets, utf8, text, plain, str, incr, atom, prop xproto.Atom
}

// OpenClipboard connects to an X display ("" = $DISPLAY) and watches its
// clipboard: onRead is called, from the clipboard's own goroutine, with
// the text each time another program takes the clipboard (the user
// copied) and after each Request.
func OpenClipboard(display string, onRead func(ClipboardRead)) (Clipboard, error) {
	conn, err := dialX(display)
	if err != nil {
		return nil, err
	}
	c, err := newX11Clipboard(conn, onRead)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

func newX11Clipboard(conn *xgb.Conn, onRead func(ClipboardRead)) (*x11Clipboard, error) {
	if onRead == nil {
		onRead = func(ClipboardRead) {}
	}
	c := &x11Clipboard{conn: conn, onRead: onRead, done: make(chan struct{})}
	names := []struct {
		a    *xproto.Atom
		name string
	}{
		{&c.atoms.clipboard, "CLIPBOARD"}, {&c.atoms.targets, "TARGETS"}, {&c.atoms.utf8, "UTF8_STRING"},
		{&c.atoms.text, "TEXT"}, {&c.atoms.plain, "text/plain;charset=utf-8"}, {&c.atoms.incr, "INCR"},
		{&c.atoms.prop, "TETHER_CLIPBOARD"},
	}
	for _, n := range names {
		r, err := xproto.InternAtom(conn, false, uint16(len(n.name)), n.name).Reply()
		if err != nil {
			return nil, fmt.Errorf("screen: clipboard: intern %s: %w", n.name, err)
		}
		*n.a = r.Atom
	}
	c.atoms.str, c.atoms.atom = xproto.AtomString, xproto.AtomAtom
	win, err := xproto.NewWindowId(conn)
	if err != nil {
		return nil, fmt.Errorf("screen: clipboard: window id: %w", err)
	}
	scr := xproto.Setup(conn).DefaultScreen(conn)
	if err := xproto.CreateWindowChecked(conn, 0, win, scr.Root, -10, -10, 1, 1, 0, xproto.WindowClassInputOnly,
		0, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange}).Check(); err != nil {
		return nil, fmt.Errorf("screen: clipboard: create window: %w", err)
	}
	c.win = win
	if err := xfixes.Init(conn); err == nil {
		if _, err := xfixes.QueryVersion(conn, 5, 0).Reply(); err == nil {
			// Checked: a round trip, so that a change made by another
			// program right after Open is already reported to us.
			if err := xfixes.SelectSelectionInputChecked(conn, win, c.atoms.clipboard, xfixes.SelectionEventMaskSetSelectionOwner).Check(); err != nil {
				conn.Close()
				return nil, fmt.Errorf("screen: clipboard: watch the selection: %w", err)
			}
		}
	}
	go c.loop()
	return c, nil
}

// Set owns CLIPBOARD with text.
func (c *x11Clipboard) Set(text string) error {
	if err := wire.CheckClipboardText(text); err != nil {
		return fmt.Errorf("screen: clipboard: %w", err)
	}
	return c.own([]byte(text))
}

// own takes CLIPBOARD to serve b (unchecked: tests serve bad bytes).
func (c *x11Clipboard) own(b []byte) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("screen: clipboard: closed")
	}
	c.owned = b
	c.mu.Unlock()
	if err := xproto.SetSelectionOwnerChecked(c.conn, c.win, c.atoms.clipboard, xproto.TimeCurrentTime).Check(); err != nil {
		return fmt.Errorf("screen: clipboard: own the selection: %w", err)
	}
	r, err := xproto.GetSelectionOwner(c.conn, c.atoms.clipboard).Reply()
	if err != nil {
		return fmt.Errorf("screen: clipboard: %w", err)
	}
	if r.Owner != c.win {
		return errors.New("screen: clipboard: another program kept the clipboard")
	}
	return nil
}

// Request starts a read of the clipboard (unless one is running).
func (c *x11Clipboard) Request() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.startRead()
}

// startRead asks the owner for UTF-8 text; c.mu is held.
func (c *x11Clipboard) startRead() {
	if c.closed || (c.reading && time.Since(c.readAt) < clipReadTimeout) {
		return
	}
	if c.owned != nil {
		// We own it: the text is the technician's own, no round trip.
		text := string(c.owned)
		go c.onRead(ClipboardRead{Text: text})
		return
	}
	c.reading, c.readAt, c.incr, c.incrSkip, c.buf, c.size = true, time.Now(), false, false, nil, 0
	c.convert(c.atoms.utf8)
}

func (c *x11Clipboard) convert(target xproto.Atom) {
	c.target = target
	xproto.ConvertSelection(c.conn, c.win, c.atoms.clipboard, target, c.atoms.prop, xproto.TimeCurrentTime)
}

// Close releases the clipboard (by closing the connection) and waits for the loop.
func (c *x11Clipboard) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.conn.Close()
	<-c.done
	return nil
}

// loop handles the X events of the clipboard window until the connection closes.
func (c *x11Clipboard) loop() {
	defer close(c.done)
	for {
		ev, err := c.conn.WaitForEvent()
		if ev == nil && err == nil {
			return // connection closed
		}
		if err != nil {
			continue // an error answer to an unchecked request (a vanished requestor)
		}
		var out *ClipboardRead
		switch e := ev.(type) {
		case xproto.SelectionRequestEvent:
			c.serve(e)
		case xproto.SelectionClearEvent:
			c.mu.Lock()
			if e.Selection == c.atoms.clipboard {
				c.owned = nil
			}
			c.mu.Unlock()
		case xfixes.SelectionNotifyEvent:
			if e.Selection == c.atoms.clipboard && e.Owner != c.win && e.Owner != 0 {
				c.mu.Lock()
				c.owned = nil
				c.reading = false // a new copy supersedes a read in progress
				c.startRead()
				c.mu.Unlock()
			}
		case xproto.SelectionNotifyEvent:
			if e.Requestor == c.win && e.Selection == c.atoms.clipboard {
				out = c.converted(e)
			}
		case xproto.PropertyNotifyEvent:
			if e.Window == c.win && e.Atom == c.atoms.prop && e.State == xproto.PropertyNewValue {
				out = c.piece()
			}
		}
		if out != nil {
			c.onRead(*out)
		}
	}
}

// converted handles the owner's answer to ConvertSelection.
func (c *x11Clipboard) converted(e xproto.SelectionNotifyEvent) *ClipboardRead {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.reading || c.incr {
		return nil
	}
	if e.Property == xproto.AtomNone {
		if c.target == c.atoms.utf8 {
			c.convert(c.atoms.str) // an old program: Latin-1 only
			return nil
		}
		c.reading = false
		return &ClipboardRead{Err: errors.New("the clipboard holds no text")}
	}
	r, err := xproto.GetProperty(c.conn, true, c.win, c.atoms.prop, xproto.GetPropertyTypeAny, 0, wire.ScreenClipboardMax/4+1).Reply()
	if err != nil {
		c.reading = false
		return &ClipboardRead{Err: fmt.Errorf("read the clipboard: %w", err)}
	}
	if r.Type == c.atoms.incr {
		// The owner sends pieces, each announced by a PropertyNotify; we
		// deleted the property, which asks for the first.
		c.incr = true
		if len(r.Value) >= 4 {
			if hint := int(xgb.Get32(r.Value)); hint > wire.ScreenClipboardMax {
				c.incrSkip, c.size = true, hint
			}
		}
		return nil
	}
	c.reading = false
	if r.BytesAfter > 0 {
		return &ClipboardRead{Size: len(r.Value) + int(r.BytesAfter)}
	}
	return c.result(r.Type, r.Value)
}

// piece reads one INCR piece; an empty one ends the transfer.
func (c *x11Clipboard) piece() *ClipboardRead {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.reading || !c.incr {
		return nil
	}
	r, err := xproto.GetProperty(c.conn, true, c.win, c.atoms.prop, xproto.GetPropertyTypeAny, 0, wire.ScreenClipboardMax/4+1).Reply()
	if err != nil {
		c.reading = false
		return &ClipboardRead{Err: fmt.Errorf("read the clipboard: %w", err)}
	}
	if len(r.Value) > 0 {
		if !c.incrSkip && len(c.buf)+len(r.Value) > wire.ScreenClipboardMax {
			c.incrSkip, c.size, c.buf = true, len(c.buf), nil
		}
		if c.incrSkip {
			c.size = max(c.size, 0) + len(r.Value)
		} else {
			c.buf = append(c.buf, r.Value...)
		}
		return nil
	}
	c.reading = false
	if c.incrSkip {
		return &ClipboardRead{Size: max(c.size, wire.ScreenClipboardMax+1)}
	}
	return c.result(r.Type, c.buf)
}

// result turns the converted bytes into text; c.mu is held.
func (c *x11Clipboard) result(typ xproto.Atom, b []byte) *ClipboardRead {
	text := string(b)
	if typ == c.atoms.str {
		text = latin1ToUTF8(b)
	}
	rd := checkedRead(text)
	return &rd
}

// serve answers a program that pastes the text we own.
func (c *x11Clipboard) serve(e xproto.SelectionRequestEvent) {
	c.mu.Lock()
	owned := c.owned
	c.mu.Unlock()
	prop := e.Property
	if prop == xproto.AtomNone {
		prop = e.Target // an obsolete requestor (ICCCM §2.2)
	}
	ok := owned != nil && e.Selection == c.atoms.clipboard
	if ok {
		switch e.Target {
		case c.atoms.targets:
			atoms := []xproto.Atom{c.atoms.targets, c.atoms.utf8, c.atoms.text, c.atoms.plain, c.atoms.str}
			b := make([]byte, 4*len(atoms))
			for i, a := range atoms {
				xgb.Put32(b[4*i:], uint32(a))
			}
			xproto.ChangeProperty(c.conn, xproto.PropModeReplace, e.Requestor, prop, c.atoms.atom, 32, uint32(len(atoms)), b)
		case c.atoms.utf8, c.atoms.text, c.atoms.plain:
			xproto.ChangeProperty(c.conn, xproto.PropModeReplace, e.Requestor, prop, c.atoms.utf8, 8, uint32(len(owned)), owned)
		case c.atoms.str:
			b := utf8ToLatin1(owned)
			xproto.ChangeProperty(c.conn, xproto.PropModeReplace, e.Requestor, prop, c.atoms.str, 8, uint32(len(b)), b)
		default:
			ok = false // MULTIPLE, TIMESTAMP, images...: refused
		}
	}
	if !ok {
		prop = xproto.AtomNone
	}
	ev := xproto.SelectionNotifyEvent{Time: e.Time, Requestor: e.Requestor, Selection: e.Selection, Target: e.Target, Property: prop}
	xproto.SendEvent(c.conn, false, e.Requestor, xproto.EventMaskNoEvent, string(ev.Bytes()))
}

// latin1ToUTF8 decodes ISO 8859-1 (X11's STRING).
func latin1ToUTF8(b []byte) string {
	var sb strings.Builder
	for _, x := range b {
		sb.WriteRune(rune(x))
	}
	return sb.String()
}

// utf8ToLatin1 encodes to ISO 8859-1, with "?" for what it cannot hold.
func utf8ToLatin1(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		if r > 0xff {
			r = '?'
		}
		out = append(out, byte(r))
	}
	return out
}
