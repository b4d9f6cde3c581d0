//go:build linux

package screen

import "os"

const osName = "Linux"

// platformReason refuses up front when there is no X display to talk to.
func platformReason() string {
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("WAYLAND_DISPLAY") != "" {
			return "this is a Wayland session without XWayland (DISPLAY is not set); only X11 screens can be shared"
		}
		return "there is no graphical session to share (DISPLAY is not set)"
	}
	return ""
}
