//go:build windows

package screen

import (
	"fmt"
	"image"

	"github.com/kbinani/screenshot"
)

// gdiCapturer captures every active display through GDI (kbinani/screenshot,
// pure Go on Windows, no cgo): the rectangle that holds them all on the
// virtual desktop. display is ignored. Monitors (monitors_windows.go) lists
// each display inside it, so a viewer can pick one. Input positions that
// Serve hands to the injector are pixels of this rectangle: virtual-desktop
// coordinates are those plus bounds.Min.
type gdiCapturer struct {
	bounds   image.Rectangle   // virtual-desktop coordinates (may start below 0)
	displays []image.Rectangle // each display, virtual-desktop coordinates
}

// Open returns a capturer of all active displays.
func Open(display string) (Capturer, error) {
	n := screenshot.NumActiveDisplays()
	if n < 1 {
		return nil, fmt.Errorf("%w: no active display", ErrUnsupported)
	}
	c := &gdiCapturer{}
	for i := 0; i < n; i++ {
		b := screenshot.GetDisplayBounds(i)
		if b.Empty() {
			continue
		}
		c.displays = append(c.displays, b)
		c.bounds = c.bounds.Union(b)
	}
	if c.bounds.Empty() {
		return nil, fmt.Errorf("%w: the displays have no size", ErrUnsupported)
	}
	return c, nil
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
