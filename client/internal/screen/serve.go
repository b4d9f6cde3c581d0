package screen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"sync"

	"github.com/tetherhq/tether/internal/wire"
)

// ServeConfig configures Serve.
type ServeConfig struct {
	// Streamer configures the frames; its Capturer is required.
	Streamer StreamerConfig
	// Injector performs viewer input. Nil means the user did not grant
	// scope control: input controls are refused and hello says can_control false.
	Injector Injector
	// Control, when set, is asked before every input event, so a scope the
	// user revokes live stops input at once. Nil means allowed (if Injector is set).
	Control func() bool
	// Display is the display name sent in the hello (text only).
	Display string
	// Log receives refused controls and failed injections (default: Streamer.Log).
	Log *slog.Logger
	// Clipboard, when set with Injector, carries clipboard text both ways
	// (see clipboard.go); nil: no clipboard.
	Clipboard *ClipboardConfig
}

// ClipboardConfig is the clipboard side of Serve.
type ClipboardConfig struct {
	// Open opens the user's clipboard; onRead receives its text when the
	// user copies (and when the gateway asks). Required.
	Open func(onRead func(ClipboardRead)) (Clipboard, error)
	// Allowed, when set, is asked before every transfer either way (scope
	// control now). Nil means allowed.
	Allowed func() bool
	// Notify, when set, tells the user of each transfer: toUser when the
	// technician put text on the clipboard; size > 0 when the user's text
	// was over the limit and not sent.
	Notify func(toUser bool, chars, size int)
}

// Serve speaks the tether-screen protocol on one channel: it writes a
// ScreenHello, then frames from a Streamer, and obeys the ScreenControl
// records the gateway sends back. It returns nil when ctx is done or the
// gateway closes its side, and the first error otherwise. Serve closes ch
// before returning (that is what stops its reader); it does not close the
// Capturer or the Injector.
func Serve(ctx context.Context, ch io.ReadWriteCloser, cfg ServeConfig) error {
	st, err := NewStreamer(cfg.Streamer)
	if err != nil {
		ch.Close()
		return err
	}
	log := cfg.Log
	if log == nil {
		log = st.cfg.Log
	}
	log = log.With("component", "screen")
	// Frames and clipboard records are written from two goroutines.
	// The hello goes first: a copy by the user waits for it.
	out := &lockedWriter{w: ch}
	out.mu.Lock()
	clip := openClip(cfg, out, log)
	if clip != nil {
		defer clip.close()
	}
	hello := helloOf(st, cfg, clip != nil)
	sentMonitor, _ := st.Monitor()
	err = wire.ScreenEncodeHello(ch, hello)
	out.mu.Unlock()
	if err != nil {
		ch.Close()
		return fmt.Errorf("screen: send hello: %w", err)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Closing the channel is what unblocks a Write stuck on a gateway that
	// stopped reading, and the reader.
	stopClose := context.AfterFunc(ctx, func() { ch.Close() })
	defer stopClose()
	var wg sync.WaitGroup
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr = readControls(ch, st, cfg, clip, log)
		cancel(errGatewayDone)
	}()
	buf := make([]byte, 0, 64<<10)
	runErr := st.Run(ctx, func(f *wire.ScreenFrame) error {
		// Run stops on ctx; a frame still in flight fails on the closed channel.
		if m, _ := st.Monitor(); m != sentMonitor {
			// A monitor switch: the new hello goes before the first frame
			// of the new size (this goroutine writes every frame).
			if err := wire.ScreenEncodeHello(out, helloOf(st, cfg, clip != nil)); err != nil {
				return fmt.Errorf("screen: send hello: %w", err)
			}
			sentMonitor = m
		}
		b, err := wire.ScreenAppendFrame(buf[:0], f)
		if err != nil {
			return err
		}
		buf = b
		_, err = out.Write(b)
		return err
	})
	ended := context.Cause(ctx) // nil: Run failed on its own
	cancel(nil)
	wg.Wait()
	switch {
	case ended == nil:
		return runErr
	case errors.Is(ended, errGatewayDone) && !errors.Is(readErr, io.EOF):
		return fmt.Errorf("screen: read control: %w", readErr)
	}
	return nil // the owner's ctx ended, or the gateway closed the channel
}

var errGatewayDone = errors.New("screen: the gateway closed the channel")

// helloOf describes what st streams now.
func helloOf(st *Streamer, cfg ServeConfig, clipboard bool) *wire.ScreenHello {
	m, area := st.Monitor()
	if len(st.Monitors()) == 0 {
		m = 0 // omitted: the hello of a client without monitors is unchanged
	}
	return &wire.ScreenHello{Width: area.Dx(), Height: area.Dy(), Display: wire.CleanText(cfg.Display, 128), CanControl: cfg.Injector != nil,
		Clipboard: clipboard, Monitors: wireMonitors(st.Monitors()), Monitor: m}
}

// screenInput moves a viewer's event, in pixels of the streamed area, to
// the whole screen the injector works on: the area's origin is added and
// the position kept inside the area.
func screenInput(in wire.ScreenInput, area image.Rectangle) wire.ScreenInput {
	in.X = area.Min.X + min(max(in.X, 0), area.Dx()-1)
	in.Y = area.Min.Y + min(max(in.Y, 0), area.Dy()-1)
	return in
}

// readControls applies control records until the stream ends or is bad.
func readControls(r io.Reader, st *Streamer, cfg ServeConfig, clip *clipSide, log *slog.Logger) error {
	br := bufio.NewReader(r)
	for {
		c, err := wire.ScreenDecodeControl(br)
		if err != nil {
			return err
		}
		switch c.Type {
		case wire.ScreenKeyframe:
			st.RequestKeyframe()
		case wire.ScreenQuality:
			st.SetQuality(c.Quality)
			st.RequestKeyframe() // the whole picture at the new quality, also on a still screen
		case wire.ScreenPause:
			st.Pause()
		case wire.ScreenResume:
			st.Resume()
		case wire.ScreenMonitorMsg:
			if err := st.SetMonitor(*c.Monitor); err != nil {
				log.Warn("monitor refused", "monitor", *c.Monitor, "err", err)
			}
		case wire.ScreenInputMsg:
			if cfg.Injector == nil || (cfg.Control != nil && !cfg.Control()) {
				log.Warn("input refused: scope control not granted", "kind", c.Input.Kind)
				continue
			}
			_, area := st.Monitor()
			if err := cfg.Injector.Inject(screenInput(*c.Input, area)); err != nil {
				log.Warn("input failed", "kind", c.Input.Kind, "err", err)
			}
		case wire.ScreenClipboard, wire.ScreenClipboardGet:
			clip.control(c)
		}
	}
}
