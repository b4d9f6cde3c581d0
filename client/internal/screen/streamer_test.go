package screen

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/internal/wire"
)

var (
	grey  = color.RGBA{0x40, 0x40, 0x40, 0xff}
	red   = color.RGBA{0xe0, 0x10, 0x10, 0xff}
	green = color.RGBA{0x10, 0xc0, 0x30, 0xff}
	blue  = color.RGBA{0x20, 0x30, 0xd0, 0xff}
)

func TestChangedTiles(t *testing.T) {
	tests := []struct {
		name   string
		w, h   int
		change []image.Rectangle
		want   []image.Rectangle
	}{
		{"nothing", 640, 480, nil, nil},
		{"one pixel", 640, 480, []image.Rectangle{image.Rect(65, 1, 66, 2)}, []image.Rectangle{image.Rect(64, 0, 128, 64)}},
		{"across four tiles", 640, 480, []image.Rectangle{image.Rect(100, 100, 140, 140)},
			[]image.Rectangle{image.Rect(64, 64, 128, 128), image.Rect(128, 64, 192, 128), image.Rect(64, 128, 128, 192), image.Rect(128, 128, 192, 192)}},
		{"ragged edge", 100, 70, []image.Rectangle{image.Rect(99, 69, 100, 70)}, []image.Rectangle{image.Rect(64, 64, 100, 70)}},
		{"last row of a tile", 128, 128, []image.Rectangle{image.Rect(0, 63, 1, 64)}, []image.Rectangle{image.Rect(0, 0, 64, 64)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := image.NewRGBA(image.Rect(0, 0, tt.w, tt.h))
			b := image.NewRGBA(image.Rect(0, 0, tt.w, tt.h))
			for _, r := range tt.change {
				for y := r.Min.Y; y < r.Max.Y; y++ {
					for x := r.Min.X; x < r.Max.X; x++ {
						b.SetRGBA(x, y, red)
					}
				}
			}
			got := changedTiles(a, b, 64)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changed tiles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAllTiles(t *testing.T) {
	got := allTiles(130, 70, 64)
	want := []image.Rectangle{
		image.Rect(0, 0, 64, 64), image.Rect(64, 0, 128, 64), image.Rect(128, 0, 130, 64),
		image.Rect(0, 64, 64, 70), image.Rect(64, 64, 128, 70), image.Rect(128, 64, 130, 70),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("all tiles (-want +got):\n%s", diff)
	}
}

func TestStreamerConfigDefaults(t *testing.T) {
	c := StreamerConfig{Capturer: newFakeCapturer(640, 480, grey)}
	if err := c.CheckAndSetDefaults(); err != nil {
		t.Fatal(err)
	}
	if c.FPS != 15 || c.Tile != 64 || c.Quality != 70 || c.KeyframeEvery != 5*time.Second || c.Clock == nil || c.Log == nil {
		t.Errorf("defaults: got FPS %d tile %d quality %d keyframe %v", c.FPS, c.Tile, c.Quality, c.KeyframeEvery)
	}
	huge := StreamerConfig{Capturer: sizeOnly{8192, 4096}}
	if err := huge.CheckAndSetDefaults(); err != nil {
		t.Fatal(err)
	}
	if n := len(allTiles(8192, 4096, huge.Tile)); n > wire.ScreenMaxTiles {
		t.Errorf("tile %d gives %d tiles on 8192x4096, max %d", huge.Tile, n, wire.ScreenMaxTiles)
	}
	for _, bad := range []StreamerConfig{
		{},
		{Capturer: newFakeCapturer(64, 64, grey), FPS: 31},
		{Capturer: newFakeCapturer(64, 64, grey), FPS: -1},
		{Capturer: newFakeCapturer(64, 64, grey), Quality: 95},
		{Capturer: newFakeCapturer(64, 64, grey), Quality: 10},
		{Capturer: newFakeCapturer(64, 64, grey), Tile: 4},
		{Capturer: newFakeCapturer(64, 64, grey), KeyframeEvery: -time.Second},
	} {
		if err := bad.CheckAndSetDefaults(); err == nil {
			t.Errorf("config %+v accepted", bad)
		}
	}
}

// sizeOnly is a capturer that is never captured from.
type sizeOnly struct{ w, h int }

func (s sizeOnly) Size() (int, int)        { return s.w, s.h }
func (sizeOnly) Capture(*image.RGBA) error { return errors.New("not capturing") }
func (sizeOnly) Close() error              { return nil }

func newTestStreamer(t *testing.T, cap Capturer) (*Streamer, *fakeClock) {
	t.Helper()
	clk := &fakeClock{now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	s, err := NewStreamer(StreamerConfig{Capturer: cap, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	s.start = clk.Now()
	return s, clk
}

func tileRects(f *wire.ScreenFrame) []image.Rectangle {
	var out []image.Rectangle
	for _, t := range f.Tiles {
		out = append(out, image.Rect(int(t.X), int(t.Y), int(t.X+t.W), int(t.Y+t.H)))
	}
	return out
}

// checkTiles decodes every tile and compares it with want, channel by
// channel, within tol (JPEG is lossy).
func checkTiles(t *testing.T, f *wire.ScreenFrame, want *image.RGBA, tol int) {
	t.Helper()
	checked := 0
	defer func() {
		if checked == 0 {
			t.Errorf("no pixel of frame %d was far enough from an edge to check", f.Seq)
		}
	}()
	for _, tile := range f.Tiles {
		img, err := jpeg.Decode(bytes.NewReader(tile.JPEG))
		if err != nil {
			t.Fatalf("tile %d,%d: %v", tile.X, tile.Y, err)
		}
		if got := img.Bounds(); got.Dx() != int(tile.W) || got.Dy() != int(tile.H) {
			t.Fatalf("tile %d,%d: JPEG is %v, tile %dx%d", tile.X, tile.Y, got, tile.W, tile.H)
		}
		for y := 0; y < int(tile.H); y += 7 {
			for x := 0; x < int(tile.W); x += 7 {
				w := want.RGBAAt(int(tile.X)+x, int(tile.Y)+y)
				if !uniformAround(want, int(tile.X)+x, int(tile.Y)+y, 16) {
					continue // JPEG rings within a 16×16 block of an edge; judge flat areas only
				}
				checked++
				r, g, b, _ := img.At(x, y).RGBA()
				if absDiff(int(r>>8), int(w.R)) > tol || absDiff(int(g>>8), int(w.G)) > tol || absDiff(int(b>>8), int(w.B)) > tol {
					t.Fatalf("pixel %d,%d: got %d,%d,%d, want %v (±%d)", int(tile.X)+x, int(tile.Y)+y, r>>8, g>>8, b>>8, w, tol)
				}
			}
		}
	}
}

// uniformAround reports whether the pixels within d of (x,y) have its colour,
// sampling every 4th (the test pictures are rectangles at least 5 wide).
func uniformAround(img *image.RGBA, x, y, d int) bool {
	c := img.RGBAAt(x, y)
	for yy := y - d; yy <= y+d; yy += 4 {
		for xx := x - d; xx <= x+d; xx += 4 {
			if (image.Point{xx, yy}).In(img.Rect) && img.RGBAAt(xx, yy) != c {
				return false
			}
		}
	}
	return true
}

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}

func TestStreamerFrames(t *testing.T) {
	cap := newFakeCapturer(640, 480, grey)
	cap.fill(image.Rect(0, 0, 320, 240), red)
	s, clk := newTestStreamer(t, cap)

	f, err := s.step()
	if err != nil {
		t.Fatal(err)
	}
	if f == nil || !f.Key || len(f.Tiles) != 80 || f.Seq != 0 || f.Width != 640 || f.Height != 480 {
		t.Fatalf("first frame: got %+v, want a keyframe of 80 tiles, seq 0, 640x480", f)
	}
	checkTiles(t, f, cap.img, 12)

	clk.advance(100 * time.Millisecond)
	if f, err := s.step(); err != nil || f != nil {
		t.Fatalf("unchanged screen: got frame %v, error %v; want neither", f, err)
	}

	cap.fill(image.Rect(100, 300, 140, 310), blue)
	clk.advance(100 * time.Millisecond)
	f, err = s.step()
	if err != nil {
		t.Fatal(err)
	}
	want := []image.Rectangle{image.Rect(64, 256, 128, 320), image.Rect(128, 256, 192, 320)}
	if f == nil || f.Key || f.Seq != 1 || f.TimeMS != 200 {
		t.Fatalf("after a change: got %+v, want a delta frame, seq 1, time 200", f)
	}
	if diff := cmp.Diff(want, tileRects(f)); diff != "" {
		t.Errorf("changed tiles (-want +got):\n%s", diff)
	}
	checkTiles(t, f, cap.img, 12)

	s.RequestKeyframe()
	if f, err = s.step(); err != nil || f == nil || !f.Key || len(f.Tiles) != 80 {
		t.Fatalf("after RequestKeyframe: got %+v, %v; want a full keyframe", f, err)
	}

	clk.advance(4 * time.Second)
	if f, err = s.step(); err != nil || f != nil {
		t.Fatalf("4s after a keyframe, unchanged: got %+v, %v; want nothing", f, err)
	}
	clk.advance(time.Second)
	if f, err = s.step(); err != nil || f != nil {
		t.Fatalf("5s after a keyframe, still unchanged: got %+v, %v; want nothing (an idle screen sends no periodic keyframes)", f, err)
	}
	// Once the picture changed, the next period brings a keyframe again.
	cap.fill(image.Rect(0, 0, 10, 10), blue)
	clk.advance(100 * time.Millisecond)
	if f, err = s.step(); err != nil || f == nil || f.Key {
		t.Fatalf("a change after the period: got %+v, %v; want a delta", f, err)
	}
	clk.advance(100 * time.Millisecond)
	if f, err = s.step(); err != nil || f == nil || !f.Key {
		t.Fatalf("period over and the picture changed since the keyframe: got %+v, %v; want a keyframe", f, err)
	}
	checkTiles(t, f, cap.img, 12)
}

func TestStreamerQuality(t *testing.T) {
	s, _ := newTestStreamer(t, newFakeCapturer(64, 64, grey))
	iv := s.interval
	steps := []struct {
		send time.Duration
		n    int
		want int
	}{
		{iv + time.Millisecond, 1, 60}, // slow: down 10
		{iv * 2, 3, 30},                // floor at 30
		{iv / 2, 20, 30},               // neither fast nor slow: unchanged
		{iv / 10, 9, 30},               // nine quick sends: not yet
		{iv / 10, 1, 35},               // the tenth: up 5
		{iv / 10, 100, 70},             // ceiling is the configured quality
	}
	for i, st := range steps {
		for range st.n {
			s.adapt(st.send)
		}
		if got := s.Quality(); got != st.want {
			t.Fatalf("step %d: quality %d, want %d", i, got, st.want)
		}
	}
	s.SetQuality(40)
	for range 50 {
		s.adapt(iv / 10)
	}
	if got := s.Quality(); got != 40 {
		t.Errorf("after SetQuality(40) and fast sends: quality %d, want 40", got)
	}
	s.SetQuality(200)
	if got := s.Quality(); got != 90 {
		t.Errorf("SetQuality(200): quality %d, want 90 (clamped)", got)
	}
	f, err := s.step()
	if err != nil || f.Tiles[0].Quality != 90 {
		t.Errorf("tile quality: got %v (err %v), want 90", f.Tiles[0].Quality, err)
	}
}

func TestStreamerRun(t *testing.T) {
	cap := newFakeCapturer(200, 100, grey)
	s, err := NewStreamer(StreamerConfig{Capturer: cap, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	frames := make(chan *wire.ScreenFrame, 100)
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(f *wire.ScreenFrame) error { frames <- f; return nil })
	}()
	if f := <-frames; !f.Key {
		t.Fatalf("first frame is not a keyframe: %+v", f)
	}
	s.Pause()
	s.Resume()
	// Resume forces a keyframe; delta frames may not come before it
	// because nothing changed.
	if f := <-frames; !f.Key {
		t.Fatalf("after resume: got a delta frame %+v", f)
	}
	cap.fill(image.Rect(0, 0, 10, 10), green)
	for f := range frames {
		if !f.Key {
			if diff := cmp.Diff([]image.Rectangle{image.Rect(0, 0, 64, 64)}, tileRects(f)); diff != "" {
				t.Errorf("delta tiles (-want +got):\n%s", diff)
			}
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: %v, want nil", err)
	}
}

func TestStreamerRunErrors(t *testing.T) {
	boom := errors.New("boom")
	s, err := NewStreamer(StreamerConfig{Capturer: newFakeCapturer(64, 64, grey)})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Run(context.Background(), func(*wire.ScreenFrame) error { return boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "send frame 0") {
		t.Errorf("out failing: got %v, want boom wrapped", err)
	}
	cap := newFakeCapturer(64, 64, grey)
	cap.fail = boom
	s, err = NewStreamer(StreamerConfig{Capturer: cap})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), func(*wire.ScreenFrame) error { return nil }); !errors.Is(err, boom) {
		t.Errorf("capture failing: got %v, want boom", err)
	}
}
