package screen

import (
	"io"
	"log/slog"
	"sync"
	"unicode/utf8"

	"github.com/tetherhq/tether/internal/wire"
)

// lockedWriter serialises whole records from the frame loop and the clipboard.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// clipSide is Serve's clipboard: the gateway's clipboard controls go to
// the user's clipboard, the user's copies go to the gateway, each only
// while Allowed says scope control is granted.
type clipSide struct {
	cfg  ClipboardConfig
	clip Clipboard
	out  io.Writer
	log  *slog.Logger
}

// openClip opens the clipboard when cfg asks for one and control is
// possible; nil when there is none (the hello then says so).
func openClip(cfg ServeConfig, out io.Writer, log *slog.Logger) *clipSide {
	if cfg.Clipboard == nil || cfg.Clipboard.Open == nil || cfg.Injector == nil {
		return nil
	}
	cs := &clipSide{cfg: *cfg.Clipboard, out: out, log: log}
	clip, err := cs.cfg.Open(cs.read)
	if err != nil {
		log.Warn("clipboard unavailable", "err", err)
		return nil
	}
	cs.clip = clip
	return cs
}

func (cs *clipSide) allowed() bool { return cs.cfg.Allowed == nil || cs.cfg.Allowed() }

func (cs *clipSide) notify(toUser bool, chars, size int) {
	if cs.cfg.Notify != nil {
		cs.cfg.Notify(toUser, chars, size)
	}
}

// read sends one read of the user's clipboard to the gateway.
func (cs *clipSide) read(rd ClipboardRead) {
	if rd.Err != nil {
		cs.log.Debug("clipboard not sent", "err", rd.Err)
		return
	}
	if !cs.allowed() {
		cs.log.Debug("clipboard not sent: scope control not granted")
		return
	}
	rec := &wire.ScreenClipboardText{Text: rd.Text}
	if rd.Text == "" {
		rec.Size = max(rd.Size, wire.ScreenClipboardMax+1)
	}
	if err := wire.ScreenEncodeClipboard(cs.out, rec); err != nil {
		cs.log.Warn("clipboard not sent", "err", err)
		return
	}
	cs.notify(false, utf8.RuneCountInString(rd.Text), rec.Size)
}

// control obeys a clipboard or clipboard_get control from the gateway.
func (cs *clipSide) control(c *wire.ScreenControl) {
	if cs == nil {
		return // no clipboard here (the hello said so)
	}
	if !cs.allowed() {
		// The gateway checks too: a control arriving here anyway is ignored.
		cs.log.Warn("clipboard refused: scope control not granted", "type", c.Type)
		return
	}
	switch c.Type {
	case wire.ScreenClipboard:
		if err := cs.clip.Set(c.Text); err != nil {
			cs.log.Warn("clipboard set failed", "err", err)
			return
		}
		cs.notify(true, utf8.RuneCountInString(c.Text), 0)
	case wire.ScreenClipboardGet:
		cs.clip.Request()
	}
}

func (cs *clipSide) close() { cs.clip.Close() }
