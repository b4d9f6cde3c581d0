package screen

import (
	"errors"
	"fmt"
)

// Supported reports whether this computer can share its screen now, and
// when it cannot, why, in words the end user and the technician can read.
// The consent step calls it before asking about scope "screen", so that a
// client which cannot capture refuses the scope up front instead of
// failing once the technician opens the viewer.
//
// Where capture needs no setup (a display server), it opens a capturer and
// closes it again; the probe costs one display connection.
func Supported() (bool, string) {
	if reason := platformReason(); reason != "" {
		return false, reason
	}
	return probe(func() (closer, error) { return Open("") })
}

// ControlSupported is Supported for scope "control": whether the
// technician's mouse and keyboard can be replayed here.
func ControlSupported() (bool, string) {
	if ok, reason := Supported(); !ok {
		return false, reason
	}
	return probe(func() (closer, error) { return OpenInjector("") })
}

type closer interface{ Close() error }

// probe opens something and closes it, turning the error into a reason.
func probe(open func() (closer, error)) (bool, string) {
	c, err := open()
	if err != nil {
		return false, reasonFor(err)
	}
	_ = c.Close()
	return true, ""
}

// reasonFor phrases an Open error for a person.
func reasonFor(err error) string {
	if errors.Is(err, ErrUnsupported) {
		return fmt.Sprintf("screen sharing is not available on %s in this version of the client", osName)
	}
	return fmt.Sprintf("the screen cannot be captured: %v", err)
}
