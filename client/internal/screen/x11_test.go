//go:build linux

package screen

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jezek/xgb/xproto"

	"github.com/tetherhq/tether/internal/wire"
)

// scene is the known picture the X11 tests draw: what the screen should show.
type scene struct {
	p    *painter
	want *image.RGBA
}

func newScene(t *testing.T, display string) *scene {
	p := newPainter(t, display, grey)
	want := image.NewRGBA(image.Rect(0, 0, p.w, p.h))
	draw.Draw(want, want.Rect, image.NewUniform(grey), image.Point{}, draw.Src)
	return &scene{p: p, want: want}
}

func (s *scene) fill(r image.Rectangle, c color.RGBA) {
	s.p.fill(r, c)
	draw.Draw(s.want, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func TestX11Capture(t *testing.T) {
	display := startXvfb(t, 640, 480)
	sc := newScene(t, display)
	sc.fill(image.Rect(0, 0, 320, 240), red)
	sc.fill(image.Rect(400, 300, 500, 400), blue)
	sc.fill(image.Rect(639, 479, 640, 480), green)

	for _, tc := range []struct {
		name string
		shm  bool
	}{{"MIT-SHM", true}, {"GetImage", false}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := openX11(display, tc.shm)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.usesSHM() != tc.shm {
				t.Errorf("usesSHM() = %v, want %v", c.usesSHM(), tc.shm)
			}
			if w, h := c.Size(); w != 640 || h != 480 {
				t.Fatalf("Size() = %dx%d, want 640x480", w, h)
			}
			got := image.NewRGBA(image.Rect(0, 0, 640, 480))
			if err := c.Capture(got); err != nil {
				t.Fatal(err)
			}
			for _, pt := range []image.Point{{0, 0}, {319, 239}, {320, 240}, {450, 350}, {639, 479}, {638, 479}} {
				if g, w := got.RGBAAt(pt.X, pt.Y), sc.want.RGBAAt(pt.X, pt.Y); g != w {
					t.Errorf("pixel %v: got %v, want %v", pt, g, w)
				}
			}
			if !bytes.Equal(sc.want.Pix, got.Pix) {
				t.Errorf("capture differs from the drawn picture")
			}
			if err := c.Capture(image.NewRGBA(image.Rect(0, 0, 10, 10))); err == nil {
				t.Error("capture into a wrongly sized image succeeded")
			}
		})
	}
	if _, err := Open(":1000"); err == nil {
		t.Error("Open of a display that does not exist succeeded")
	}
}

func TestX11StreamerTiles(t *testing.T) {
	display := startXvfb(t, 640, 480)
	sc := newScene(t, display)
	sc.fill(image.Rect(0, 0, 320, 240), red)
	c, err := Open(display)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, clk := newTestStreamer(t, c)

	f, err := s.step()
	if err != nil {
		t.Fatal(err)
	}
	if !f.Key || len(f.Tiles) != 80 {
		t.Fatalf("first frame: key %v with %d tiles, want a keyframe of 80", f.Key, len(f.Tiles))
	}
	checkTiles(t, f, sc.want, 12)

	sc.fill(image.Rect(100, 300, 140, 310), green)
	clk.advance(time.Second)
	if f, err = s.step(); err != nil {
		t.Fatal(err)
	}
	want := []image.Rectangle{image.Rect(64, 256, 128, 320), image.Rect(128, 256, 192, 320)}
	if f.Key {
		t.Error("a small change produced a keyframe")
	}
	if diff := cmp.Diff(want, tileRects(f)); diff != "" {
		t.Errorf("changed tiles (-want +got):\n%s", diff)
	}
	checkTiles(t, f, sc.want, 12)

	if f, err = s.step(); err != nil || f != nil {
		t.Errorf("no change: got frame %v, err %v", f, err)
	}
	s.RequestKeyframe()
	if f, err = s.step(); err != nil || !f.Key || len(f.Tiles) != 80 {
		t.Fatalf("requested keyframe: %v, %v", f, err)
	}
	checkTiles(t, f, sc.want, 12)
}

func TestX11Injector(t *testing.T) {
	display := startXvfb(t, 640, 480)
	sc := newScene(t, display)
	p := sc.p
	inj, err := OpenInjector(display)
	if err != nil {
		t.Fatal(err)
	}
	defer inj.Close()
	root := xproto.Setup(p.conn).DefaultScreen(p.conn).Root

	if err := inj.Inject(wire.ScreenInput{Kind: wire.ScreenMouseMove, X: 123, Y: 45}); err != nil {
		t.Fatal(err)
	}
	ptr, err := xproto.QueryPointer(p.conn, root).Reply()
	if err != nil {
		t.Fatal(err)
	}
	if ptr.RootX != 123 || ptr.RootY != 45 {
		t.Errorf("pointer at %d,%d, want 123,45", ptr.RootX, ptr.RootY)
	}

	if err := inj.Inject(wire.ScreenInput{Kind: wire.ScreenMouseDown, X: 10, Y: 20, Button: 2}); err != nil {
		t.Fatal(err)
	}
	if ev, ok := p.event().(xproto.ButtonPressEvent); !ok || ev.Detail != 3 || ev.EventX != 10 || ev.EventY != 20 {
		t.Errorf("after mousedown button 2: got %#v, want ButtonPress of X button 3 at 10,20", ev)
	}
	if err := inj.Inject(wire.ScreenInput{Kind: wire.ScreenMouseUp, X: 10, Y: 20, Button: 2}); err != nil {
		t.Fatal(err)
	}
	if ev, ok := p.event().(xproto.ButtonReleaseEvent); !ok || ev.Detail != 3 {
		t.Errorf("after mouseup: got %#v, want ButtonRelease 3", ev)
	}

	if err := inj.Inject(wire.ScreenInput{Kind: wire.ScreenWheel, X: 5, Y: 5, DeltaY: -100}); err != nil {
		t.Fatal(err)
	}
	if ev, ok := p.event().(xproto.ButtonPressEvent); !ok || ev.Detail != 4 {
		t.Errorf("after wheel up: got %#v, want ButtonPress 4", ev)
	}
	p.event() // its release

	km := inj.(*x11Injector).keymap
	for _, key := range []string{"a", "Enter", "ArrowLeft", "7", " "} {
		if err := inj.Inject(wire.ScreenInput{Kind: wire.ScreenKeyDown, Key: key}); err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		sym, _ := keysymFor(key)
		if ev, ok := p.event().(xproto.KeyPressEvent); !ok || ev.Detail != km[sym] {
			t.Errorf("key %q: got %#v, want KeyPress of keycode %d", key, ev, km[sym])
		}
		if err := inj.Inject(wire.ScreenInput{Kind: wire.ScreenKeyUp, Key: key}); err != nil {
			t.Fatal(err)
		}
		if _, ok := p.event().(xproto.KeyReleaseEvent); !ok {
			t.Errorf("key %q: no KeyRelease", key)
		}
	}
	if err := inj.Inject(wire.ScreenInput{Kind: wire.ScreenKeyDown, Key: "Dead"}); err == nil {
		t.Error("an unknown key name was injected")
	}

	// A key left down is released by Close.
	if err := inj.Inject(wire.ScreenInput{Kind: wire.ScreenKeyDown, Key: "Shift"}); err != nil {
		t.Fatal(err)
	}
	p.event()
	if err := inj.Close(); err != nil {
		t.Fatal(err)
	}
	if ev, ok := p.event().(xproto.KeyReleaseEvent); !ok || ev.Detail != km[0xffe1] {
		t.Errorf("after Close: got %#v, want the release of Shift", ev)
	}
	if err := inj.Inject(wire.ScreenInput{Kind: wire.ScreenMouseMove}); err == nil {
		t.Error("Inject after Close succeeded")
	}
}
