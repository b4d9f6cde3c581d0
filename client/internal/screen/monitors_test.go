package screen

import (
	"context"
	"image"
	"image/draw"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/tetherhq/tether/internal/wire"
)

// monitorCapturer is a fake capturer that also lists monitors.
type monitorCapturer struct {
	*fakeCapturer
	monitors []Monitor
}

func (c *monitorCapturer) Monitors() ([]Monitor, error) { return c.monitors, nil }

// twoMonitors is a 256×128 screen: monitor A on the left (red), B on the
// right (blue).
func twoMonitors() (*monitorCapturer, *image.RGBA) {
	c := &monitorCapturer{fakeCapturer: newFakeCapturer(256, 128, red), monitors: []Monitor{
		{Name: "A", Rect: image.Rect(0, 0, 128, 128), Primary: true},
		{Name: "B", Rect: image.Rect(128, 0, 256, 128)},
	}}
	c.fill(image.Rect(128, 0, 256, 128), blue)
	want := image.NewRGBA(image.Rect(0, 0, 256, 128))
	draw.Draw(want, want.Rect, c.img, image.Point{}, draw.Src)
	return c, want
}

func TestCleanMonitors(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	got := cleanMonitors([]Monitor{
		{Name: "DP-1\x1b[2J", Rect: image.Rect(0, 0, 100, 50), Primary: true},
		{Name: "off", Rect: image.Rect(300, 0, 400, 50)}, // outside: dropped
		{Name: "dup", Rect: image.Rect(0, 0, 100, 50)},   // same rectangle: dropped
		{Name: "", Rect: image.Rect(100, -10, 250, 60)},  // clipped, named
		{Name: long, Rect: image.Rect(0, 50, 200, 100)},  // name cut to 64 bytes
	}, 200, 100)
	want := []Monitor{
		{Name: "DP-1[2J", Rect: image.Rect(0, 0, 100, 50), Primary: true},
		{Name: "Monitor 2", Rect: image.Rect(100, 0, 200, 60)},
		{Name: strings.Repeat("é", 32), Rect: image.Rect(0, 50, 200, 100)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cleanMonitors (-want +got):\n%s", diff)
	}
	if got := cleanMonitors([]Monitor{{Name: "only", Rect: image.Rect(0, 0, 200, 100)}}, 200, 100); got != nil {
		t.Errorf("one whole-screen monitor: %+v, want nil", got)
	}
	var many []Monitor
	for i := 0; i < 20; i++ {
		many = append(many, Monitor{Rect: image.Rect(i, 0, i+1, 1)})
	}
	if got := cleanMonitors(many, 200, 100); len(got) != wire.ScreenMaxMonitors {
		t.Errorf("%d monitors kept, want %d", len(got), wire.ScreenMaxMonitors)
	}
}

func TestStreamerMonitorCrop(t *testing.T) {
	c, screen := twoMonitors()
	s, clk := newTestStreamer(t, c)
	if f, err := s.step(); err != nil || !f.Key || f.Width != 256 || f.Height != 128 {
		t.Fatalf("first frame: %+v, %v; want a 256x128 keyframe", f, err)
	}
	if err := s.SetMonitor(2); err == nil {
		t.Error("SetMonitor(2) of two monitors succeeded")
	}
	if err := s.SetMonitor(-2); err == nil {
		t.Error("SetMonitor(-2) succeeded")
	}

	if err := s.SetMonitor(1); err != nil {
		t.Fatal(err)
	}
	f, err := s.step()
	if err != nil {
		t.Fatal(err)
	}
	if !f.Key || f.Width != 128 || f.Height != 128 {
		t.Fatalf("after SetMonitor(1): key %v %dx%d, want a 128x128 keyframe", f.Key, f.Width, f.Height)
	}
	// Monitor B's pixels, at the origin of the frame: blue everywhere.
	checkTiles(t, f, crop(screen, image.Rect(128, 0, 256, 128)), 12)
	if m, area := s.Monitor(); m != 1 || area != image.Rect(128, 0, 256, 128) {
		t.Errorf("Monitor() = %d, %v", m, area)
	}
	if w, h := s.Size(); w != 128 || h != 128 {
		t.Errorf("Size() = %dx%d, want 128x128", w, h)
	}

	// A change on monitor A is not on the stream; one on B is, at B's coordinates.
	c.fill(image.Rect(0, 0, 64, 64), green)
	clk.advance(time.Second)
	if f, err := s.step(); err != nil || f != nil {
		t.Errorf("a change on the other monitor: frame %+v, err %v", f, err)
	}
	c.fill(image.Rect(128+64, 64, 256, 128), green)
	if f, err = s.step(); err != nil || f == nil || f.Key {
		t.Fatalf("a change on the streamed monitor: frame %+v, err %v; want a delta", f, err)
	}
	if diff := cmp.Diff([]image.Rectangle{image.Rect(64, 64, 128, 128)}, tileRects(f)); diff != "" {
		t.Errorf("changed tiles (-want +got):\n%s", diff)
	}

	if err := s.SetMonitor(wire.ScreenAllMonitors); err != nil {
		t.Fatal(err)
	}
	if f, err = s.step(); err != nil || !f.Key || f.Width != 256 || f.Height != 128 {
		t.Fatalf("back to all: %+v, %v; want a 256x128 keyframe", f, err)
	}
	c.mu.Lock()
	checkTiles(t, f, crop(c.img, c.img.Rect), 12)
	c.mu.Unlock()
}

// crop copies r of img into a new image at the origin.
func crop(img *image.RGBA, r image.Rectangle) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	cropInto(out, img, r)
	return out
}

func TestServeMonitors(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, screen := twoMonitors()
	inj := newFakeInjector()
	g, done := startServe(t, context.Background(), ServeConfig{Streamer: StreamerConfig{Capturer: c, FPS: 30}, Injector: inj, Display: ":7"})
	hello, err := wire.ScreenDecodeHello(g.r)
	if err != nil {
		t.Fatal(err)
	}
	mons := []wire.ScreenMonitor{{Name: "A", Width: 128, Height: 128, Primary: true}, {Name: "B", X: 128, Width: 128, Height: 128}}
	if diff := cmp.Diff(&wire.ScreenHello{Width: 256, Height: 128, Display: ":7", CanControl: true, Monitors: mons, Monitor: -1}, hello); diff != "" {
		t.Errorf("hello (-want +got):\n%s", diff)
	}
	g.frame()

	one := 1
	g.send(&wire.ScreenControl{Type: wire.ScreenMonitorMsg, Monitor: &one})
	// Frames already in flight may come first; then the new hello, then a keyframe of its size.
	for {
		typ, rec, err := wire.ScreenReadRecord(g.r, 0)
		if err != nil {
			t.Fatal(err)
		}
		if typ == wire.ScreenMsgFrame {
			continue
		}
		h, err := wire.ScreenParseHello(rec)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&wire.ScreenHello{Width: 128, Height: 128, Display: ":7", CanControl: true, Monitors: mons, Monitor: 1}, h); diff != "" {
			t.Errorf("hello after the switch (-want +got):\n%s", diff)
		}
		break
	}
	f := g.frame()
	if !f.Key || f.Width != 128 || f.Height != 128 {
		t.Fatalf("first frame after the switch: key %v %dx%d", f.Key, f.Width, f.Height)
	}
	checkTiles(t, f, crop(screen, image.Rect(128, 0, 256, 128)), 12)

	// Input is relative to the monitor; the injector gets screen pixels.
	ev := wire.ScreenInput{Kind: wire.ScreenMouseDown, X: 10, Y: 20}
	g.send(&wire.ScreenControl{Type: wire.ScreenInputMsg, Input: &ev})
	far := wire.ScreenInput{Kind: wire.ScreenMouseMove, X: 500, Y: 300} // outside the monitor: kept at its edge
	g.send(&wire.ScreenControl{Type: wire.ScreenInputMsg, Input: &far})
	<-inj.got
	<-inj.got
	want := []wire.ScreenInput{{Kind: wire.ScreenMouseDown, X: 138, Y: 20}, {Kind: wire.ScreenMouseMove, X: 255, Y: 127}}
	if diff := cmp.Diff(want, inj.events); diff != "" {
		t.Errorf("injected (-want +got):\n%s", diff)
	}

	bad := 5 // not a monitor of this screen: ignored, the stream goes on
	g.send(&wire.ScreenControl{Type: wire.ScreenMonitorMsg, Monitor: &bad})
	g.send(&wire.ScreenControl{Type: wire.ScreenKeyframe})
	for {
		typ, rec, err := wire.ScreenReadRecord(g.r, 0)
		if err != nil {
			t.Fatal(err)
		}
		if typ != wire.ScreenMsgFrame {
			t.Fatalf("record type %d after a refused switch", typ)
		}
		if f, _ := wire.ScreenParseFrame(rec); f.Key {
			if f.Width != 128 {
				t.Errorf("keyframe after a refused switch is %dx%d", f.Width, f.Height)
			}
			break
		}
	}
	g.conn.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
