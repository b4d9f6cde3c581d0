//go:build windows

package screen

const osName = "Windows"

// platformReason has nothing to refuse up front on Windows: capture goes
// through GDI, which needs no cgo, so Supported probes Open.
func platformReason() string { return "" }
