//go:build !linux && !windows

package screen

// OpenClipboard is not implemented on this platform yet: screen view and
// control work without clipboard transfers.
func OpenClipboard(display string, onRead func(ClipboardRead)) (Clipboard, error) {
	return nil, ErrUnsupported
}
