package screen

import (
	"fmt"
	"image"
	"unicode/utf8"

	"github.com/tetherhq/tether/internal/wire"
)

// Monitors: the capturer grabs the whole screen and the Streamer crops the
// chosen monitor's rectangle out of it (a copy of its rows), so capture
// code stays per platform and the choice is one rectangle. Input from the
// viewer is relative to the streamed area; Serve adds its origin.

// cleanMonitors keeps the monitors a viewer can be offered: each clipped
// to the w×h screen, empty ones dropped, duplicates of an earlier
// rectangle dropped, names made printable (a default "Monitor N" when
// empty), at most wire.ScreenMaxMonitors. A list of one monitor covering
// the whole screen says nothing more than none and becomes nil.
func cleanMonitors(list []Monitor, w, h int) []Monitor {
	screen := image.Rect(0, 0, w, h)
	var out []Monitor
	seen := map[image.Rectangle]bool{}
	for _, m := range list {
		r := m.Rect.Intersect(screen)
		if r.Empty() || seen[r] {
			continue
		}
		seen[r] = true
		name := wire.CleanText(m.Name, wire.ScreenMaxMonitorName)
		for len(name) > wire.ScreenMaxMonitorName { // the limit is in bytes, CleanText's in runes
			_, n := utf8.DecodeLastRuneInString(name)
			name = name[:len(name)-n]
		}
		if name == "" {
			name = fmt.Sprintf("Monitor %d", len(out)+1)
		}
		out = append(out, Monitor{Name: name, Rect: r, Primary: m.Primary})
		if len(out) == wire.ScreenMaxMonitors {
			break
		}
	}
	if len(out) == 1 && out[0].Rect == screen {
		return nil
	}
	return out
}

// wireMonitors turns monitors into their hello form.
func wireMonitors(list []Monitor) []wire.ScreenMonitor {
	if len(list) == 0 {
		return nil
	}
	out := make([]wire.ScreenMonitor, len(list))
	for i, m := range list {
		out[i] = wire.ScreenMonitor{Name: m.Name, X: m.Rect.Min.X, Y: m.Rect.Min.Y, Width: m.Rect.Dx(), Height: m.Rect.Dy(), Primary: m.Primary}
	}
	return out
}

// cropInto copies the src pixels under r (src coordinates) into dst, whose
// bounds are (0,0)-r.Size().
func cropInto(dst, src *image.RGBA, r image.Rectangle) {
	row := r.Dx() * 4
	for y := 0; y < r.Dy(); y++ {
		s := (r.Min.Y+y)*src.Stride + r.Min.X*4
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+row], src.Pix[s:s+row])
	}
}
