//go:build linux

package screen

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tetherhq/tether/internal/testenv"
)

// startXvfb starts a private Xvfb of w×h on the first free display in
// :90-:120 and stops it when the test ends. Without Xvfb the test is skipped.
// extra are more Xvfb arguments (e.g. a second -screen and +xinerama).
func startXvfb(tb testing.TB, w, h int, extra ...string) string {
	tb.Helper()
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		testenv.SkipOrFail(tb, "!!! Xvfb is not installed: X11 capture and XTEST are NOT tested (apt-get install -y xvfb) !!!")
	}
	for n := 90; n <= 120; n++ {
		if displayInUse(n) {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command(bin, append([]string{display, "-ac", "-nolisten", "tcp", "-noreset", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h)}, extra...)...)
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start Xvfb: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if waitForX(display, exited) {
			tb.Cleanup(func() {
				// SIGTERM lets Xvfb remove its socket and lock file.
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
					<-exited
				}
			})
			return display
		}
		cmd.Process.Kill()
		<-exited // lost a race for this display number; try the next
	}
	tb.Fatal("no free X display in :90-:120")
	return ""
}

// displayInUse reports whether a live server holds display n's lock file.
// A stale lock (its process gone) does not count: Xvfb replaces it.
func displayInUse(n int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/tmp/.X%d-lock", n))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err != nil || syscall.Kill(pid, 0) == nil
}

// waitForX reports whether the display accepts connections before the
// server exits (or 20 s pass, a sign of a broken install).
func waitForX(display string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		case <-time.After(20 * time.Millisecond):
		}
		if c, err := xgb.NewConnDisplay(display); err == nil {
			c.Close()
			return true
		}
	}
	return false
}

// painter draws known pictures into a full-screen window of its own.
type painter struct {
	tb     testing.TB
	conn   *xgb.Conn
	win    xproto.Window
	gc     xproto.Gcontext
	w, h   int
	events chan xgb.Event
}

func newPainter(tb testing.TB, display string, bg color.RGBA) *painter {
	tb.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		tb.Fatalf("connect to %s: %v", display, err)
	}
	scr := xproto.Setup(conn).DefaultScreen(conn)
	p := &painter{tb: tb, conn: conn, w: int(scr.WidthInPixels), h: int(scr.HeightInPixels), events: make(chan xgb.Event, 64)}
	if p.win, err = xproto.NewWindowId(conn); err != nil {
		tb.Fatal(err)
	}
	err = xproto.CreateWindowChecked(conn, scr.RootDepth, p.win, scr.Root, 0, 0, uint16(p.w), uint16(p.h), 0,
		xproto.WindowClassInputOutput, scr.RootVisual,
		xproto.CwBackPixel|xproto.CwOverrideRedirect|xproto.CwEventMask,
		[]uint32{pixel(bg), 1, xproto.EventMaskButtonPress | xproto.EventMaskButtonRelease | xproto.EventMaskKeyPress | xproto.EventMaskKeyRelease}).Check()
	if err != nil {
		tb.Fatalf("create window: %v", err)
	}
	if p.gc, err = xproto.NewGcontextId(conn); err != nil {
		tb.Fatal(err)
	}
	if err := xproto.CreateGCChecked(conn, p.gc, xproto.Drawable(p.win), 0, nil).Check(); err != nil {
		tb.Fatal(err)
	}
	if err := xproto.MapWindowChecked(conn, p.win).Check(); err != nil {
		tb.Fatal(err)
	}
	xproto.SetInputFocus(conn, xproto.InputFocusPointerRoot, p.win, xproto.TimeCurrentTime)
	p.sync()
	go func() {
		for {
			ev, err := conn.WaitForEvent()
			if ev == nil && err == nil {
				close(p.events)
				return
			}
			if ev != nil {
				p.events <- ev
			}
		}
	}()
	tb.Cleanup(func() { conn.Close() })
	return p
}

func pixel(c color.RGBA) uint32 { return uint32(c.R)<<16 | uint32(c.G)<<8 | uint32(c.B) }

// sync waits until the server has handled every request sent so far.
func (p *painter) sync() {
	if _, err := xproto.GetInputFocus(p.conn).Reply(); err != nil {
		p.tb.Fatalf("sync with X: %v", err)
	}
}

func (p *painter) fill(r image.Rectangle, c color.RGBA) {
	xproto.ChangeGC(p.conn, p.gc, xproto.GcForeground, []uint32{pixel(c)})
	xproto.PolyFillRectangle(p.conn, xproto.Drawable(p.win), p.gc, []xproto.Rectangle{
		{X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy())}})
	p.sync()
}

// put draws img at its own bounds, in bands small enough for one request each.
func (p *painter) put(img *image.RGBA) {
	r := img.Rect
	w := r.Dx()
	rows := max(1, 200_000/(w*4))
	buf := make([]byte, 0, rows*w*4)
	for y0 := r.Min.Y; y0 < r.Max.Y; y0 += rows {
		y1 := min(y0+rows, r.Max.Y)
		buf = buf[:0]
		for y := y0; y < y1; y++ {
			off := img.PixOffset(r.Min.X, y)
			row := img.Pix[off : off+w*4]
			for i := 0; i < len(row); i += 4 {
				buf = append(buf, row[i+2], row[i+1], row[i], 0)
			}
		}
		xproto.PutImage(p.conn, xproto.ImageFormatZPixmap, xproto.Drawable(p.win), p.gc,
			uint16(w), uint16(y1-y0), int16(r.Min.X), int16(y0), 0, 24, buf)
	}
	p.sync()
}

// event waits for the next input event (failing the test after 10 s).
func (p *painter) event() xgb.Event {
	p.tb.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-p.events:
			switch ev.(type) {
			case xproto.KeyPressEvent, xproto.KeyReleaseEvent, xproto.ButtonPressEvent, xproto.ButtonReleaseEvent:
				return ev
			}
			// Focus, mapping and other notifications are not what tests wait for.
		case <-timeout:
			p.tb.Fatal("no input event within 10 s")
			return nil
		}
	}
}

// putRect restores r from img (same size as the screen).
func (p *painter) putRect(img *image.RGBA, r image.Rectangle) {
	r = r.Intersect(img.Rect)
	p.put(img.SubImage(r).(*image.RGBA))
}
