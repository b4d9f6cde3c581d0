package screen

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/tetherhq/tether/internal/wire"
)

// The Windows clipboard's conversions (clipboard_windows.go cannot run here).
func TestClipboardUTF16(t *testing.T) {
	for _, tc := range []struct{ text, windows string }{
		{"héllo ✓ clip", "héllo ✓ clip"},
		{"a\nb\r\nc", "a\r\nb\r\nc"},
		{"emoji 🙂", "emoji 🙂"},
	} {
		u := utf16FromText(tc.text)
		if u[len(u)-1] != 0 {
			t.Errorf("%q: no final NUL", tc.text)
		}
		if got := string(utf16.Decode(u[:len(u)-1])); got != tc.windows {
			t.Errorf("utf16FromText(%q) = %q, want %q", tc.text, got, tc.windows)
		}
		want := strings.ReplaceAll(tc.text, "\r\n", "\n")
		if got := textFromUTF16(append(u, 'x', 'y')); got != want { // stops at the NUL
			t.Errorf("textFromUTF16 = %q, want %q", got, want)
		}
	}
	if got := textFromUTF16([]uint16{'a', 'b'}); got != "ab" {
		t.Errorf("without a NUL: %q", got)
	}
}

func TestCheckedRead(t *testing.T) {
	if rd := checkedRead("ok"); rd.Text != "ok" || rd.Err != nil || rd.Size != 0 {
		t.Errorf("checkedRead(ok) = %+v", rd)
	}
	if rd := checkedRead(strings.Repeat("a", wire.ScreenClipboardMax+1)); rd.Text != "" || rd.Size != wire.ScreenClipboardMax+1 {
		t.Errorf("over the limit: %d bytes, size %d", len(rd.Text), rd.Size)
	}
	if rd := checkedRead("a\xff"); !errors.Is(rd.Err, wire.ErrClipboardNotText) {
		t.Errorf("not UTF-8: %+v", rd)
	}
	if rd := checkedRead(""); !errors.Is(rd.Err, wire.ErrClipboardEmpty) {
		t.Errorf("empty: %+v", rd)
	}
}
