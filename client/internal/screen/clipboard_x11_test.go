//go:build linux

package screen

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tetherhq/tether/internal/testenv"
	"github.com/tetherhq/tether/internal/wire"
)

// clipReader is a second X client watching the clipboard: what the user's
// other programs see.
type clipReader struct {
	Clipboard
	reads chan ClipboardRead
}

func openClipReader(t *testing.T, display string) *clipReader {
	t.Helper()
	r := &clipReader{reads: make(chan ClipboardRead, 16)}
	c, err := OpenClipboard(display, func(rd ClipboardRead) { r.reads <- rd })
	if err != nil {
		t.Fatalf("OpenClipboard: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	r.Clipboard = c
	return r
}

// next returns the next read, failing after a few seconds.
func (r *clipReader) next(t *testing.T) ClipboardRead {
	t.Helper()
	select {
	case rd := <-r.reads:
		return rd
	case <-time.After(5 * time.Second):
		t.Fatal("no clipboard read within 5s")
		return ClipboardRead{}
	}
}

func TestX11Clipboard(t *testing.T) {
	display := startXvfb(t, 320, 200)
	owner := openClipReader(t, display)
	other := openClipReader(t, display)

	t.Run("set, seen as a change and read back", func(t *testing.T) {
		const text = "héllo ✓ clip\nsecond line"
		if err := owner.Set(text); err != nil {
			t.Fatalf("Set: %v", err)
		}
		// XFIXES tells the other client that the owner changed; it reads.
		if got := other.next(t); got.Text != text || got.Err != nil {
			t.Fatalf("change read = %+v, want %q", got, text)
		}
		other.Request()
		if got := other.next(t); got.Text != text {
			t.Fatalf("Request read = %+v, want %q", got, text)
		}
	})
	t.Run("largest text", func(t *testing.T) {
		text := strings.Repeat("ab✓", wire.ScreenClipboardMax/5) // just under the limit, multi-byte
		text += strings.Repeat("z", wire.ScreenClipboardMax-len(text))
		if err := owner.Set(text); err != nil {
			t.Fatalf("Set: %v", err)
		}
		if got := other.next(t); got.Text != text {
			t.Fatalf("read %d bytes (%v), want %d", len(got.Text), got.Err, len(text))
		}
	})
	t.Run("over the limit: size only", func(t *testing.T) {
		if err := owner.Set(strings.Repeat("a", wire.ScreenClipboardMax+1)); !errors.Is(err, wire.ErrClipboardTooLarge) {
			t.Fatalf("Set of too much: %v, want ErrClipboardTooLarge", err)
		}
		serveRaw(t, owner, []byte(strings.Repeat("a", wire.ScreenClipboardMax+1)))
		if got := other.next(t); got.Text != "" || got.Size <= wire.ScreenClipboardMax {
			t.Fatalf("read = %d bytes, size %d, want only a size over %d", len(got.Text), got.Size, wire.ScreenClipboardMax)
		}
	})
	t.Run("not UTF-8 or NUL: refused", func(t *testing.T) {
		for _, bad := range []string{"a\xffb", "a\x00b"} {
			if err := owner.Set(bad); !errors.Is(err, wire.ErrClipboardNotText) {
				t.Errorf("Set(%q): %v, want ErrClipboardNotText", bad, err)
			}
			serveRaw(t, owner, []byte(bad))
			if got := other.next(t); got.Text != "" || !errors.Is(got.Err, wire.ErrClipboardNotText) {
				t.Errorf("read of %q = %+v, want ErrClipboardNotText", bad, got)
			}
		}
	})
	t.Run("closing releases the clipboard", func(t *testing.T) {
		if err := owner.Set("going away"); err != nil {
			t.Fatal(err)
		}
		other.next(t)
		owner.Close()
		other.Request()
		if got := other.next(t); got.Err == nil {
			t.Fatalf("read after the owner closed = %+v, want an error (no owner)", got)
		}
	})
}

// serveRaw makes c own the clipboard with bytes Set would refuse.
func serveRaw(t *testing.T, r *clipReader, b []byte) {
	t.Helper()
	if err := r.Clipboard.(*x11Clipboard).own(b); err != nil {
		t.Fatal(err)
	}
}

// TestX11ClipboardWithXclip checks interoperability with another X
// program: xclip pastes what the clipboard set, and a copy made by xclip
// is read.
func TestX11ClipboardWithXclip(t *testing.T) {
	if _, err := exec.LookPath("xclip"); err != nil {
		testenv.SkipOrFail(t, "xclip is not installed (apt-get install -y xclip)")
	}
	display := startXvfb(t, 320, 200)
	clip := openClipReader(t, display)
	if err := clip.Set("héllo ✓ clip"); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xclip", "-display", display, "-o", "-selection", "clipboard").Output()
	if err != nil || string(out) != "héllo ✓ clip" {
		t.Fatalf("xclip -o = %q, %v", out, err)
	}
	cmd := exec.Command("xclip", "-display", display, "-i", "-selection", "clipboard")
	cmd.Stdin = strings.NewReader("from the user ✓")
	if err := cmd.Run(); err != nil { // xclip forks a server and returns
		t.Fatal(err)
	}
	if got := clip.next(t); got.Text != "from the user ✓" {
		t.Fatalf("read = %+v, want the text xclip copied", got)
	}
}

// TestX11ClipboardReadsINCR reads text that its owner sends in pieces
// (ICCCM INCR, as toolkits do for large selections), and drops text that
// grows past the limit on the way.
func TestX11ClipboardReadsINCR(t *testing.T) {
	display := startXvfb(t, 320, 200)
	reader := openClipReader(t, display)
	for _, tc := range []struct {
		name   string
		text   string
		pieces int
	}{
		{"under the limit", strings.Repeat("piece ✓ ", 4000), 5},
		{"over the limit", strings.Repeat("z", wire.ScreenClipboardMax+10), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := serveINCR(t, display, []byte(tc.text), tc.pieces)
			defer stop()
			got := reader.next(t)
			if len(tc.text) <= wire.ScreenClipboardMax {
				if got.Text != tc.text {
					t.Fatalf("read %d bytes (%v), want %d", len(got.Text), got.Err, len(tc.text))
				}
				return
			}
			if got.Text != "" || got.Size <= wire.ScreenClipboardMax {
				t.Fatalf("read %d bytes, size %d, want only a size over the limit", len(got.Text), got.Size)
			}
		})
	}
}

// serveINCR owns CLIPBOARD on its own connection and answers every
// UTF8_STRING request with INCR: a size hint (0, so the reader cannot
// refuse up front), then pieces, each after the reader deleted the last.
func serveINCR(t *testing.T, display string, data []byte, pieces int) (stop func()) {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	atom := func(name string) xproto.Atom {
		r, err := xproto.InternAtom(conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			t.Fatal(err)
		}
		return r.Atom
	}
	clipboard, utf8, incr := atom("CLIPBOARD"), atom("UTF8_STRING"), atom("INCR")
	win, _ := xproto.NewWindowId(conn)
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	xproto.CreateWindowChecked(conn, 0, win, root, 0, 0, 1, 1, 0, xproto.WindowClassInputOnly, 0, 0, nil).Check()
	xproto.SetSelectionOwnerChecked(conn, win, clipboard, xproto.TimeCurrentTime).Check()
	done := make(chan struct{})
	go func() {
		defer close(done)
		size := (len(data) + pieces - 1) / pieces
		var req xproto.SelectionRequestEvent
		rest := []byte(nil)
		sending := false
		for {
			ev, err := conn.WaitForEvent()
			if ev == nil && err == nil {
				return
			}
			switch e := ev.(type) {
			case xproto.SelectionRequestEvent:
				if e.Target != utf8 {
					n := xproto.SelectionNotifyEvent{Time: e.Time, Requestor: e.Requestor, Selection: e.Selection, Target: e.Target}
					xproto.SendEvent(conn, false, e.Requestor, 0, string(n.Bytes()))
					continue
				}
				req, rest, sending = e, data, true
				xproto.ChangeWindowAttributes(conn, e.Requestor, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange})
				hint := make([]byte, 4)
				xproto.ChangeProperty(conn, xproto.PropModeReplace, e.Requestor, e.Property, incr, 32, 1, hint)
				n := xproto.SelectionNotifyEvent{Time: e.Time, Requestor: e.Requestor, Selection: e.Selection, Target: e.Target, Property: e.Property}
				xproto.SendEvent(conn, false, e.Requestor, 0, string(n.Bytes()))
			case xproto.PropertyNotifyEvent:
				if !sending || e.Window != req.Requestor || e.Atom != req.Property || e.State != xproto.PropertyDelete {
					continue
				}
				chunk := rest[:min(size, len(rest))]
				rest = rest[len(chunk):]
				xproto.ChangeProperty(conn, xproto.PropModeReplace, req.Requestor, req.Property, utf8, 8, uint32(len(chunk)), chunk)
				if len(chunk) == 0 {
					sending = false // the empty piece ends the transfer
				}
			}
		}
	}()
	return func() { conn.Close(); <-done }
}
