//go:build linux

package screen

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/testenv"
	"github.com/tetherhq/tether/internal/wire"
)

// clipReader is a second X client watching the clipboard: what the user's
// other programs see.
type clipReader struct {
	Clipboard
	reads chan ClipboardRead
}

func openClipReader(t *testing.T, display string) *clipReader {
	t.Helper()
	r := &clipReader{reads: make(chan ClipboardRead, 16)}
	c, err := OpenClipboard(display, func(rd ClipboardRead) { r.reads <- rd })
	if err != nil {
		t.Fatalf("OpenClipboard: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	r.Clipboard = c
	return r
}

// next returns the next read, failing after a few seconds.
func (r *clipReader) next(t *testing.T) ClipboardRead {
	t.Helper()
	select {
	case rd := <-r.reads:
		return rd
	case <-time.After(5 * time.Second):
		t.Fatal("no clipboard read within 5s")
		return ClipboardRead{}
	}
}

func TestX11Clipboard(t *testing.T) {
	display := startXvfb(t, 320, 200)
	owner := openClipReader(t, display)
	other := openClipReader(t, display)

	t.Run("set, seen as a change and read back", func(t *testing.T) {
		const text = "héllo ✓ clip\nsecond line"
		if err := owner.Set(text); err != nil {
			t.Fatalf("Set: %v", err)
		}
		// XFIXES tells the other client that the owner changed; it reads.
		if got := other.next(t); got.Text != text || got.Err != nil {
			t.Fatalf("change read = %+v, want %q", got, text)
		}
		other.Request()
		if got := other.next(t); got.Text != text {
			t.Fatalf("Request read = %+v, want %q", got, text)
		}
	})
	t.Run("largest text", func(t *testing.T) {
		text := strings.Repeat("ab✓", wire.ScreenClipboardMax/5) // just under the limit, multi-byte
		text += strings.Repeat("z", wire.ScreenClipboardMax-len(text))
		if err := owner.Set(text); err != nil {
			t.Fatalf("Set: %v", err)
		}
		if got := other.next(t); got.Text != text {
			t.Fatalf("read %d bytes (%v), want %d", len(got.Text), got.Err, len(text))
		}
	})
	t.Run("over the limit: size only", func(t *testing.T) {
		if err := owner.Set(strings.Repeat("a", wire.ScreenClipboardMax+1)); !errors.Is(err, wire.ErrClipboardTooLarge) {
			t.Fatalf("Set of too much: %v, want ErrClipboardTooLarge", err)
		}
		serveRaw(t, owner, []byte(strings.Repeat("a", wire.ScreenClipboardMax+1)))
		if got := other.next(t); got.Text != "" || got.Size <= wire.ScreenClipboardMax {
			t.Fatalf("read = %d bytes, size %d, want only a size over %d", len(got.Text), got.Size, wire.ScreenClipboardMax)
		}
	})
	t.Run("not UTF-8 or NUL: refused", func(t *testing.T) {
		for _, bad := range []string{"a\xffb", "a\x00b"} {
			if err := owner.Set(bad); !errors.Is(err, wire.ErrClipboardNotText) {
				t.Errorf("Set(%q): %v, want ErrClipboardNotText", bad, err)
			}
			serveRaw(t, owner, []byte(bad))
			if got := other.next(t); got.Text != "" || !errors.Is(got.Err, wire.ErrClipboardNotText) {
				t.Errorf("read of %q = %+v, want ErrClipboardNotText", bad, got)
			}
		}
	})
	t.Run("closing releases the clipboard", func(t *testing.T) {
		if err := owner.Set("going away"); err != nil {
			t.Fatal(err)
		}
		other.next(t)
		owner.Close()
		other.Request()
		if got := other.next(t); got.Err == nil {
			t.Fatalf("read after the owner closed = %+v, want an error (no owner)", got)
		}
	})
}

// serveRaw makes c own the clipboard with bytes Set would refuse.
func serveRaw(t *testing.T, r *clipReader, b []byte) {
	t.Helper()
	if err := r.Clipboard.(*x11Clipboard).own(b); err != nil {
		t.Fatal(err)
	}
}

// TestX11ClipboardWithXclip checks interoperability with another X
// program: xclip pastes what the clipboard set, and a copy made by xclip
// is read.
func TestX11ClipboardWithXclip(t *testing.T) {
	if _, err := exec.LookPath("xclip"); err != nil {
		testenv.SkipOrFail(t, "xclip is not installed (apt-get install -y xclip)")
	}
	display := startXvfb(t, 320, 200)
	clip := openClipReader(t, display)
	if err := clip.Set("héllo ✓ clip"); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xclip", "-display", display, "-o", "-selection", "clipboard").Output()
	if err != nil || string(out) != "héllo ✓ clip" {
		t.Fatalf("xclip -o = %q, %v", out, err)
	}
	cmd := exec.Command("xclip", "-display", display, "-i", "-selection", "clipboard")
	cmd.Stdin = strings.NewReader("from the user ✓")
	if err := cmd.Run(); err != nil { // xclip forks a server and returns
		t.Fatal(err)
	}
	if got := clip.next(t); got.Text != "from the user ✓" {
		t.Fatalf("read = %+v, want the text xclip copied", got)
	}
}
