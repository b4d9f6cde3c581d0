// Package screen shares the end user's screen with a technician: it captures
// the display, sends only the 64×64 tiles that changed as JPEG (quality
// adapted to the bandwidth the channel shows), and, when the user granted
// scope control, injects the technician's mouse and keyboard events.
//
//	Capturer ──RGBA──► Streamer ──wire.ScreenFrame──► tether-screen channel ──► gateway
//	                      ▲                                   │
//	                      └── keyframe/quality/pause ◄────────┤  (wire.ScreenControl)
//	Injector ◄──────────────── input (scope control only) ◄───┘
//
// On Linux both Capturer and Injector talk X11 directly through the pure-Go
// github.com/jezek/xgb (MIT-SHM for capture when the server is local, XTEST
// for input). Other platforms return ErrUnsupported for now. Wayland
// sessions work only through XWayland, which shows X11 windows alone.
package screen

import (
	"errors"
	"image"

	"github.com/tetherhq/tether/internal/wire"
)

// ErrUnsupported is returned by Open and OpenInjector where screen sharing is
// not implemented yet (every platform but Linux/X11).
var ErrUnsupported = errors.New("screen: screen sharing is not supported on this platform")

// Capturer grabs whole screens.
type Capturer interface {
	// Size returns the screen size in pixels, fixed when the capturer opened.
	Size() (w, h int)
	// Capture copies the current screen into dst, whose bounds must be
	// (0,0)-(w,h). Alpha is set to 255.
	Capture(dst *image.RGBA) error
	// Close releases the display connection and any shared memory.
	Close() error
}

// Injector replays a viewer's input on the user's display.
type Injector interface {
	// Inject performs one event. Positions are screen pixels.
	Inject(ev wire.ScreenInput) error
	// Close releases every key and button still held, then the connection.
	Close() error
}

// Monitor is one monitor of the captured screen: its rectangle in screen
// pixels (inside (0,0)-Size()), a name such as "DP-1", and whether the
// system calls it the primary one.
type Monitor struct {
	Name    string
	Rect    image.Rectangle
	Primary bool
}

// MonitorLister is implemented by capturers that know the screen's
// monitors (X11 through RandR or Xinerama, Windows through the display
// list). A capturer without it is one whole-screen monitor.
type MonitorLister interface {
	// Monitors lists the monitors as they were when the capturer opened.
	Monitors() ([]Monitor, error)
}
