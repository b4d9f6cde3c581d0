//go:build linux

package screen

import (
	"context"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// desktop returns a w×h picture that compresses like a desktop: a gradient
// wallpaper with rows of small "text" marks in a few light windows.
func desktop(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(40 + x*60/w), uint8(60 + y*80/h), 140, 255})
		}
	}
	seed := uint32(1)
	for _, win := range []image.Rectangle{image.Rect(80, 60, 1000, 700), image.Rect(900, 300, 1800, 1000)} {
		win = win.Intersect(img.Rect)
		for y := win.Min.Y; y < win.Max.Y; y++ {
			for x := win.Min.X; x < win.Max.X; x++ {
				c := color.RGBA{245, 245, 245, 255}
				if (y-win.Min.Y)%18 < 11 && (x-win.Min.X)%9 < 6 {
					seed = seed*1664525 + 1013904223
					if seed>>28 < 6 {
						c = color.RGBA{30, 30, 30, 255}
					}
				}
				img.SetRGBA(x, y, c)
			}
		}
	}
	return img
}

func BenchmarkX11Capture1080p(b *testing.B) {
	display := startXvfb(b, 1920, 1080)
	newPainter(b, display, grey).put(desktop(1920, 1080))
	for _, tc := range []struct {
		name string
		shm  bool
	}{{"MIT-SHM", true}, {"GetImage", false}} {
		b.Run(tc.name, func(b *testing.B) {
			c, err := openX11(display, tc.shm)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			dst := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
			for b.Loop() {
				if err := c.Capture(dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeKeyframe1080p(b *testing.B) {
	img := desktop(1920, 1080)
	rects := allTiles(1920, 1080, DefaultTile)
	var bytes int
	for b.Loop() {
		tiles, err := encodeTiles(img, rects, DefaultQuality)
		if err != nil {
			b.Fatal(err)
		}
		f := wire.ScreenFrame{Width: 1920, Height: 1080, Tiles: tiles}
		bytes = f.Size()
	}
	b.ReportMetric(float64(bytes), "bytes/keyframe")
}

func BenchmarkTileDiff1080p(b *testing.B) {
	a := desktop(1920, 1080)
	c := desktop(1920, 1080)
	for b.Loop() {
		if len(changedTiles(a, c, DefaultTile)) != 0 {
			b.Fatal("identical pictures differ")
		}
	}
}

// streamFor runs a 30 fps Streamer on the display for d while animate (if
// any) changes the screen, and reports what it sent. Quality adaptation is
// left out: out returns at once, as on a fast link.
func streamFor(b *testing.B, display string, d time.Duration, animate func(ctx context.Context)) (frames, bytes int, elapsed time.Duration) {
	c, err := Open(display)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s, err := NewStreamer(StreamerConfig{Capturer: c, FPS: MaxFPS})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan struct{})
	if animate != nil {
		go func() { defer close(done); animate(ctx) }()
	} else {
		close(done)
	}
	start := time.Now()
	err = s.Run(ctx, func(f *wire.ScreenFrame) error {
		if f.Seq > 0 { // the opening keyframe is not part of the steady state
			frames++
			bytes += f.Size()
		}
		return nil
	})
	elapsed = time.Since(start)
	<-done
	if err != nil {
		b.Fatal(err)
	}
	return frames, bytes, elapsed
}

func BenchmarkX11StreamMovingWindow1080p(b *testing.B) {
	display := startXvfb(b, 1920, 1080)
	newPainter(b, display, grey).put(desktop(1920, 1080))
	p := newPainter(b, display, grey) // a second client drives the animation
	p.put(desktop(1920, 1080))
	var frames, bytes int
	var elapsed time.Duration
	for b.Loop() {
		f, n, e := streamFor(b, display, 3*time.Second, func(ctx context.Context) {
			// A 300×200 box crossing the screen at 60 moves a second.
			x, bg := 0, desktop(1920, 1080)
			tick := time.NewTicker(time.Second / 60)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				old := image.Rect(x, 400, x+300, 600)
				x = (x + 8) % 1600
				p.putRect(bg, old)
				p.fill(image.Rect(x, 400, x+300, 600), red)
			}
		})
		frames, bytes, elapsed = frames+f, bytes+n, elapsed+e
	}
	b.ReportMetric(float64(frames)/elapsed.Seconds(), "frames/s")
	b.ReportMetric(float64(bytes)/elapsed.Seconds(), "bytes/s")
}

func BenchmarkX11StreamIdle1080p(b *testing.B) {
	display := startXvfb(b, 1920, 1080)
	newPainter(b, display, grey).put(desktop(1920, 1080))
	var frames, bytes int
	var elapsed time.Duration
	for b.Loop() {
		// 11 s spans two periodic keyframes (every 5 s).
		f, n, e := streamFor(b, display, 11*time.Second, nil)
		frames, bytes, elapsed = frames+f, bytes+n, elapsed+e
	}
	b.ReportMetric(float64(frames)/elapsed.Seconds(), "frames/s")
	b.ReportMetric(float64(bytes)/elapsed.Seconds(), "bytes/s")
}
