package wire

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Clipboard on the tether-screen channel (both ways under scope control).
//
//	gateway                                               client
//	  │ ── control {"type":"clipboard","text":"..."} ───►  │ put text on the user's clipboard
//	  │ ── control {"type":"clipboard_get"} ───────────►   │ send the user's clipboard now
//	  │ ◄── clipboard {"text":"..."} (record type 4) ──── │ the user copied text (or was asked)
//	  │ ◄── clipboard {"size":N} ─────────────────────── │ the user's text is over the limit: not sent
//
// The text is UTF-8 without NUL, 1..ScreenClipboardMax bytes; nothing is
// ever truncated: text over the limit is refused whole, with its size.
// Both sides check scope control for every transfer, and the gateway
// audits each one (screen.clipboard) before it delivers it.

// ScreenMsgClipboard is the record type of a ScreenClipboardText (client → gateway).
const ScreenMsgClipboard byte = 4

// Clipboard limits.
const (
	// ScreenClipboardMax bounds clipboard text, in bytes of UTF-8.
	ScreenClipboardMax = 64 << 10
	// ScreenMaxControl bounds a control or clipboard record, length prefix
	// included: room for ScreenClipboardMax bytes JSON-escaped (at most 6
	// bytes a byte, \u0001).
	ScreenMaxControl = 6*ScreenClipboardMax + 1024
)

// Clipboard control types (ScreenControl.Type).
const (
	ScreenClipboard    = "clipboard"     // put Text on the user's clipboard; needs scope control
	ScreenClipboardGet = "clipboard_get" // send the user's clipboard text now; needs scope control
)

// Clipboard refusals, for errors.Is.
var (
	ErrClipboardEmpty    = errors.New("there is no text to put on the clipboard")
	ErrClipboardTooLarge = fmt.Errorf("clipboard text is limited to %d KiB", ScreenClipboardMax>>10)
	ErrClipboardNotText  = errors.New("clipboard text must be UTF-8 without NUL characters")
)

// CheckClipboardText says whether s may travel as clipboard text: not
// empty, at most ScreenClipboardMax bytes, valid UTF-8, no NUL.
func CheckClipboardText(s string) error {
	switch {
	case s == "":
		return ErrClipboardEmpty
	case len(s) > ScreenClipboardMax:
		return fmt.Errorf("%w: this text is %d bytes", ErrClipboardTooLarge, len(s))
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return ErrClipboardNotText
	}
	return nil
}

// ScreenClipboardText is the body of a clipboard record: the user's
// clipboard text, or, when it is over the limit, only its Size.
type ScreenClipboardText struct {
	Text string `json:"text,omitempty"`
	// Size is set (and Text empty) when the user's clipboard held more than
	// ScreenClipboardMax bytes: the text was not sent.
	Size int `json:"size,omitempty"`
}

func (c *ScreenClipboardText) validate() error {
	if c.Text == "" {
		if c.Size <= ScreenClipboardMax || c.Size > 1<<40 {
			return fmt.Errorf("clipboard size %d without text out of range", c.Size)
		}
		return nil
	}
	if c.Size != 0 {
		return errors.New("clipboard text with a size")
	}
	return CheckClipboardText(c.Text)
}

// ScreenEncodeClipboard writes c as one record in a single Write.
func ScreenEncodeClipboard(w io.Writer, c *ScreenClipboardText) error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("screen clipboard: %w", err)
	}
	body, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("screen clipboard: %w", err)
	}
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 5+len(body)), uint32(1+len(body)))
	b = append(b, ScreenMsgClipboard)
	b = append(b, body...)
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("screen clipboard: write: %w", err)
	}
	return nil
}

// ScreenParseClipboard decodes one whole clipboard record (length prefix included).
func ScreenParseClipboard(rec []byte) (*ScreenClipboardText, error) {
	if len(rec) > ScreenMaxControl {
		return nil, fmt.Errorf("screen clipboard: %d bytes (max %d)", len(rec), ScreenMaxControl)
	}
	var c ScreenClipboardText
	if err := screenParseJSONMax(rec, ScreenMsgClipboard, &c, ScreenMaxControl); err != nil {
		return nil, fmt.Errorf("screen clipboard: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("screen clipboard: %w", err)
	}
	return &c, nil
}
