//go:build linux

package screen

import (
	"image"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"
)

// setMonitors defines RandR 1.5 monitors on display, as `xrandr
// --setmonitor` does: the first on the screen's output (replacing its
// automatic monitor), the others without output. They last while the
// server runs (startXvfb passes -noreset).
func setMonitors(t *testing.T, display string, names []string, rects []image.Rectangle) {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := randr.Init(conn); err != nil {
		t.Skipf("no RandR on this Xvfb: %v", err)
	}
	if _, err := randr.QueryVersion(conn, 1, 5).Reply(); err != nil {
		t.Fatal(err)
	}
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	res, err := randr.GetScreenResources(conn, root).Reply()
	if err != nil || len(res.Outputs) == 0 {
		t.Fatalf("screen resources: %v (%d outputs)", err, len(res.Outputs))
	}
	for i, r := range rects {
		a, err := xproto.InternAtom(conn, false, uint16(len(names[i])), names[i]).Reply()
		if err != nil {
			t.Fatal(err)
		}
		m := randr.MonitorInfo{Name: a.Atom, Primary: i == 0, X: int16(r.Min.X), Y: int16(r.Min.Y),
			Width: uint16(r.Dx()), Height: uint16(r.Dy()), WidthInMillimeters: uint32(r.Dx() / 4), HeightInMillimeters: uint32(r.Dy() / 4)}
		if i == 0 {
			m.NOutput, m.Outputs = 1, []randr.Output{res.Outputs[0]}
		}
		if err := randr.SetMonitorChecked(conn, root, m).Check(); err != nil {
			t.Fatalf("set monitor %s: %v", names[i], err)
		}
	}
}

func TestX11Monitors(t *testing.T) {
	display := startXvfb(t, 640, 240)
	c, err := Open(display)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Xvfb's own monitor: one covering the screen, which the streamer drops.
	ms, err := c.(MonitorLister).Monitors()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Rect != image.Rect(0, 0, 640, 240) {
		t.Errorf("monitors of a plain Xvfb: %+v, want one of 640x240", ms)
	}
	if got := cleanMonitors(ms, 640, 240); got != nil {
		t.Errorf("cleaned: %+v, want none", got)
	}

	setMonitors(t, display, []string{"LEFT", "RIGHT"}, []image.Rectangle{image.Rect(0, 0, 320, 240), image.Rect(320, 0, 640, 240)})
	ms, err = c.(MonitorLister).Monitors()
	if err != nil {
		t.Fatal(err)
	}
	want := []Monitor{{Name: "LEFT", Rect: image.Rect(0, 0, 320, 240), Primary: true}, {Name: "RIGHT", Rect: image.Rect(320, 0, 640, 240)}}
	if diff := cmp.Diff(want, ms); diff != "" {
		t.Errorf("RandR monitors (-want +got):\n%s", diff)
	}

	// The streamer crops the right monitor out of the real capture.
	sc := newScene(t, display)
	sc.fill(image.Rect(0, 0, 320, 240), red)
	sc.fill(image.Rect(320, 0, 640, 240), blue)
	sc.fill(image.Rect(400, 100, 480, 180), green)
	s, _ := newTestStreamer(t, c)
	if diff := cmp.Diff(want, s.Monitors()); diff != "" {
		t.Errorf("streamer monitors (-want +got):\n%s", diff)
	}
	if err := s.SetMonitor(1); err != nil {
		t.Fatal(err)
	}
	f, err := s.step()
	if err != nil {
		t.Fatal(err)
	}
	if !f.Key || f.Width != 320 || f.Height != 240 {
		t.Fatalf("monitor RIGHT: key %v %dx%d, want a 320x240 keyframe", f.Key, f.Width, f.Height)
	}
	checkTiles(t, f, crop(sc.want, image.Rect(320, 0, 640, 240)), 12)
}

// TestX11XineramaMonitors reads Xinerama's screens (the fallback when RandR
// has no monitors). Xvfb lays its Xinerama heads all at 0,0, so the two
// heads read back as one rectangle twice, which cleanMonitors folds into
// "the whole screen".
func TestX11XineramaMonitors(t *testing.T) {
	display := startXvfb(t, 320, 240, "-screen", "1", "320x240x24", "+xinerama")
	c, err := openX11(display, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ms, err := c.xineramaMonitors()
	if err != nil {
		t.Fatal(err)
	}
	want := []Monitor{{Name: "Screen 1", Rect: image.Rect(0, 0, 320, 240), Primary: true}, {Name: "Screen 2", Rect: image.Rect(0, 0, 320, 240)}}
	if diff := cmp.Diff(want, ms); diff != "" {
		t.Errorf("Xinerama screens (-want +got):\n%s", diff)
	}
	if got := cleanMonitors(ms, 320, 240); got != nil {
		t.Errorf("cleaned: %+v, want none", got)
	}
}
