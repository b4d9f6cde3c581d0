package screen

import (
	"strings"
	"unicode/utf16"

	"github.com/tetherhq/tether/internal/wire"
)

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

// checkedRead turns text read from a clipboard into a ClipboardRead: only
// the size when it is over the limit, an error when it is not clean text.
func checkedRead(text string) ClipboardRead {
	if len(text) > wire.ScreenClipboardMax {
		return ClipboardRead{Size: len(text)}
	}
	if err := wire.CheckClipboardText(text); err != nil {
		return ClipboardRead{Err: err}
	}
	return ClipboardRead{Text: text}
}

// The Windows clipboard holds UTF-16 text with CRLF line ends, ended by a
// NUL; these conversions are plain Go so they are tested everywhere.

// textFromUTF16 decodes u up to its first NUL, with CRLF turned into LF.
func textFromUTF16(u []uint16) string {
	for i, c := range u {
		if c == 0 {
			u = u[:i]
			break
		}
	}
	return strings.ReplaceAll(string(utf16.Decode(u)), "\r\n", "\n")
}

// utf16FromText encodes text with CRLF line ends and a final NUL.
func utf16FromText(text string) []uint16 {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	return append(utf16.Encode([]rune(text)), 0)
}
