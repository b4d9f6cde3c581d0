//go:build windows

package screen

const osName = "Windows"

// platformReason has nothing to refuse up front on Windows: capture goes
// through GDI and input through SendInput, neither needs cgo, so Supported
// and ControlSupported probe Open and OpenInjector.
func platformReason() string { return "" }
