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
	hello := helloOf(st, cfg)
	sentMonitor, _ := st.Monitor()
	if err := wire.ScreenEncodeHello(ch, hello); err != nil {
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
		readErr = readControls(ch, st, cfg, log)
		cancel(errGatewayDone)
	}()
	buf := make([]byte, 0, 64<<10)
	runErr := st.Run(ctx, func(f *wire.ScreenFrame) error {
		// Run stops on ctx; a frame still in flight fails on the closed channel.
		if m, _ := st.Monitor(); m != sentMonitor {
			// A monitor switch: the new hello goes before the first frame
			// of the new size (this goroutine is the only writer).
			if err := wire.ScreenEncodeHello(ch, helloOf(st, cfg)); err != nil {
				return fmt.Errorf("screen: send hello: %w", err)
			}
			sentMonitor = m
		}
		b, err := wire.ScreenAppendFrame(buf[:0], f)
		if err != nil {
			return err
		}
		buf = b
		_, err = ch.Write(b)
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
func helloOf(st *Streamer, cfg ServeConfig) *wire.ScreenHello {
	m, area := st.Monitor()
	if len(st.Monitors()) == 0 {
		m = 0 // omitted: the hello of a client without monitors is unchanged
	}
	return &wire.ScreenHello{Width: area.Dx(), Height: area.Dy(), Display: wire.CleanText(cfg.Display, 128), CanControl: cfg.Injector != nil,
		Monitors: wireMonitors(st.Monitors()), Monitor: m}
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
func readControls(r io.Reader, st *Streamer, cfg ServeConfig, log *slog.Logger) error {
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
		}
	}
}
