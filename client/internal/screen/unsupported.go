//go:build !linux && !windows

package screen

// Open returns ErrUnsupported: only X11 on Linux is implemented.
func Open(display string) (Capturer, error) { return nil, ErrUnsupported }

// OpenInjector returns ErrUnsupported: only X11 on Linux is implemented.
func OpenInjector(display string) (Injector, error) { return nil, ErrUnsupported }
