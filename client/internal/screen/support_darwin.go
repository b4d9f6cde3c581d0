//go:build darwin

package screen

const osName = "macOS"

// platformReason: capturing a macOS screen needs CoreGraphics or
// ScreenCaptureKit through cgo, and the client is built with CGO_ENABLED=0
// so that it cross-compiles from Linux.
func platformReason() string {
	return "screen sharing is not available on macOS in this version of the client (capture needs a native build); the shell and diagnostics still work"
}
