package screen

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// fakeCapturer shows an in-memory picture.
type fakeCapturer struct {
	mu     sync.Mutex
	img    *image.RGBA
	closed bool
	fail   error
}

func newFakeCapturer(w, h int, bg color.RGBA) *fakeCapturer {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
	return &fakeCapturer{img: img}
}

func (c *fakeCapturer) fill(r image.Rectangle, col color.RGBA) {
	c.mu.Lock()
	defer c.mu.Unlock()
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Src)
}

func (c *fakeCapturer) Size() (int, int) { return c.img.Rect.Dx(), c.img.Rect.Dy() }

func (c *fakeCapturer) Capture(dst *image.RGBA) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	if c.closed {
		return errors.New("closed")
	}
	copy(dst.Pix, c.img.Pix)
	return nil
}

func (c *fakeCapturer) Close() error { c.closed = true; return nil }

// fakeClock advances only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fakeInjector records events.
type fakeInjector struct {
	mu     sync.Mutex
	events []wire.ScreenInput
	got    chan struct{}
}

func newFakeInjector() *fakeInjector { return &fakeInjector{got: make(chan struct{}, 16)} }

func (f *fakeInjector) Inject(ev wire.ScreenInput) error {
	f.mu.Lock()
	f.events = append(f.events, ev)
	f.mu.Unlock()
	f.got <- struct{}{}
	return nil
}

func (f *fakeInjector) Close() error { return nil }
