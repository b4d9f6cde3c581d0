//go:build windows

package screen

import (
	"fmt"
	"image"
)

// Monitors lists the active displays in Windows' order (kbinani/screenshot
// enumerates them with EnumDisplayMonitors), in pixels of the captured
// rectangle: a display at virtual-desktop (x, y) is at (x, y) minus the
// rectangle's top-left corner. The display at the virtual desktop's origin
// is the primary one, as Windows defines it.
func (c *gdiCapturer) Monitors() ([]Monitor, error) {
	out := make([]Monitor, 0, len(c.displays))
	for i, d := range c.displays {
		out = append(out, Monitor{Name: fmt.Sprintf("Display %d", i+1), Rect: d.Sub(c.bounds.Min),
			Primary: d.Min == image.Point{}})
	}
	return out, nil
}
