package screen

// Clipboard is the user's clipboard text while the screen is shared with
// scope control. Serve owns it for the life of the channel: Close gives
// the clipboard back (on X11, text the technician put there disappears
// when the channel ends, as with any program that exits).
type Clipboard interface {
	// Set puts text (checked with wire.CheckClipboardText) on the clipboard.
	Set(text string) error
	// Request reads the clipboard now; the result arrives through the
	// callback given to OpenClipboard, like a change by the user.
	Request()
	// Close releases the clipboard and stops watching it.
	Close() error
}

// ClipboardRead is one read of the user's clipboard: Text, or, when the
// text is over wire.ScreenClipboardMax, only its Size (at least), or Err
// (no text on the clipboard, not UTF-8, the owner did not answer).
type ClipboardRead struct {
	Text string
	Size int
	Err  error
}
