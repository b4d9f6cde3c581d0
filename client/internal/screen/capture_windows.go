//go:build windows

package screen

import (
	"fmt"
	"image"

	"github.com/kbinani/screenshot"
)

// gdiCapturer captures the primary display through GDI (kbinani/screenshot,
// pure Go on Windows, no cgo). display is ignored: the primary monitor is
// what a help-desk user means by "my screen".
type gdiCapturer struct {
	bounds image.Rectangle
}

// Open returns a capturer for the primary display.
func Open(display string) (Capturer, error) {
	if screenshot.NumActiveDisplays() < 1 {
		return nil, fmt.Errorf("%w: no active display", ErrUnsupported)
	}
	b := screenshot.GetDisplayBounds(0)
	if b.Empty() {
		return nil, fmt.Errorf("%w: the primary display has no size", ErrUnsupported)
	}
	return &gdiCapturer{bounds: b}, nil
}

func (c *gdiCapturer) Size() (int, int) { return c.bounds.Dx(), c.bounds.Dy() }

// Capture copies the display into dst (which must be Size() large).
func (c *gdiCapturer) Capture(dst *image.RGBA) error {
	img, err := screenshot.CaptureRect(c.bounds)
	if err != nil {
		return fmt.Errorf("screen: capture: %w", err)
	}
	w, h := c.Size()
	if dst.Rect.Dx() < w || dst.Rect.Dy() < h {
		return fmt.Errorf("screen: capture buffer %v smaller than the display %dx%d", dst.Rect, w, h)
	}
	for y := 0; y < h; y++ {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+w*4], img.Pix[y*img.Stride:y*img.Stride+w*4])
	}
	return nil
}

func (c *gdiCapturer) Close() error { return nil }
