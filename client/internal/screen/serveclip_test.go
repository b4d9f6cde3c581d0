package screen

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/tetherhq/tether/internal/wire"
)

// fakeClipboard is a clipboard in memory.
type fakeClipboard struct {
	mu     sync.Mutex
	text   string
	set    chan string
	onRead func(ClipboardRead)
	closed atomic.Bool
}

func (f *fakeClipboard) Set(text string) error {
	f.mu.Lock()
	f.text = text
	f.mu.Unlock()
	f.set <- text
	return nil
}

func (f *fakeClipboard) Request() {
	f.mu.Lock()
	text := f.text
	f.mu.Unlock()
	f.onRead(ClipboardRead{Text: text})
}

func (f *fakeClipboard) Close() error { f.closed.Store(true); return nil }

// copy plays the user copying text in another program.
func (f *fakeClipboard) copy(text string) {
	f.mu.Lock()
	f.text = text
	f.mu.Unlock()
	f.onRead(ClipboardRead{Text: text})
}

type clipNote struct {
	toUser      bool
	chars, size int
}

// nextClipboard reads records until a clipboard record.
func (g *gatewayEnd) nextClipboard() *wire.ScreenClipboardText {
	g.t.Helper()
	for {
		typ, rec, err := wire.ScreenReadRecord(g.r, 0)
		if err != nil {
			g.t.Fatalf("read: %v", err)
		}
		switch typ {
		case wire.ScreenMsgFrame:
			continue
		case wire.ScreenMsgClipboard:
			c, err := wire.ScreenParseClipboard(rec)
			if err != nil {
				g.t.Fatal(err)
			}
			return c
		default:
			g.t.Fatalf("record type %d", typ)
		}
	}
}

func TestServeClipboard(t *testing.T) {
	defer goleak.VerifyNone(t)
	fc := &fakeClipboard{set: make(chan string, 4)}
	var allowed atomic.Bool
	allowed.Store(true)
	notes := make(chan clipNote, 8)
	g, done := startServe(t, context.Background(), ServeConfig{
		Streamer: StreamerConfig{Capturer: newFakeCapturer(64, 64, grey)}, Injector: newFakeInjector(),
		Clipboard: &ClipboardConfig{
			Open:    func(onRead func(ClipboardRead)) (Clipboard, error) { fc.onRead = onRead; return fc, nil },
			Allowed: allowed.Load,
			Notify:  func(toUser bool, chars, size int) { notes <- clipNote{toUser, chars, size} },
		},
	})
	hello, err := wire.ScreenDecodeHello(g.r)
	if err != nil {
		t.Fatal(err)
	}
	if !hello.Clipboard {
		t.Fatal("hello.clipboard = false with a clipboard")
	}
	g.send(&wire.ScreenControl{Type: wire.ScreenClipboard, Text: "héllo ✓ clip"})
	if got := <-fc.set; got != "héllo ✓ clip" {
		t.Errorf("clipboard set to %q", got)
	}
	if n := <-notes; n != (clipNote{toUser: true, chars: 12}) {
		t.Errorf("notice %+v, want to the user, 12 characters", n)
	}

	go fc.copy("from the user") // the pipe is synchronous: the write waits for our read
	if c := g.nextClipboard(); c.Text != "from the user" {
		t.Errorf("clipboard record %+v", c)
	}
	if n := <-notes; n != (clipNote{toUser: false, chars: 13}) {
		t.Errorf("notice %+v, want from the user, 13 characters", n)
	}
	go fc.onRead(ClipboardRead{Size: 70000})
	if c := g.nextClipboard(); c.Text != "" || c.Size != 70000 {
		t.Errorf("over the limit: record %+v, want size 70000 only", c)
	}
	<-notes

	g.send(&wire.ScreenControl{Type: wire.ScreenClipboardGet})
	if c := g.nextClipboard(); c.Text != "from the user" {
		t.Errorf("clipboard_get answered %+v", c)
	}
	<-notes

	// Control revoked: nothing either way.
	allowed.Store(false)
	g.send(&wire.ScreenControl{Type: wire.ScreenClipboard, Text: "forged"})
	// A keyframe after it proves the forged control was handled (in order).
	g.send(&wire.ScreenControl{Type: wire.ScreenKeyframe})
	for f := g.frame(); !f.Key; f = g.frame() {
	}
	fc.copy("secret") // not sent: returns at once
	allowed.Store(true)
	go fc.copy("after")
	if c := g.nextClipboard(); c.Text != "after" {
		t.Errorf("first record after the revoke = %+v, want \"after\" (nothing sent while revoked)", c)
	}
	<-notes
	select {
	case s := <-fc.set:
		t.Errorf("clipboard set to %q without scope control", s)
	case n := <-notes:
		t.Errorf("extra notice %+v", n)
	default:
	}
	g.conn.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if !fc.closed.Load() {
		t.Error("the clipboard was not closed with the channel")
	}
}

func TestServeNoClipboardWithoutControl(t *testing.T) {
	defer goleak.VerifyNone(t)
	opened := false
	g, done := startServe(t, context.Background(), ServeConfig{
		Streamer:  StreamerConfig{Capturer: newFakeCapturer(64, 64, grey)},
		Clipboard: &ClipboardConfig{Open: func(func(ClipboardRead)) (Clipboard, error) { opened = true; return nil, nil }},
	})
	hello, err := wire.ScreenDecodeHello(g.r)
	if err != nil {
		t.Fatal(err)
	}
	if hello.Clipboard || opened {
		t.Errorf("clipboard offered (%v) or opened (%v) without scope control", hello.Clipboard, opened)
	}
	g.send(&wire.ScreenControl{Type: wire.ScreenClipboard, Text: "forged"}) // ignored, not fatal
	g.send(&wire.ScreenControl{Type: wire.ScreenKeyframe})
	for f := g.frame(); !f.Key; f = g.frame() {
	}
	g.conn.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
