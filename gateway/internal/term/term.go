// Package term bridges a technician's terminal in the browser to a shell
// on the agent, and records what passes. It exists so that the bridge can
// be read and tested on its own, over pipes: it knows neither SSH nor
// WebSockets nor HTTP, only the three small interfaces below. The api
// package adapts a WebSocket to Browser and passes a broker.Shell as Shell
// and its terminal recording as Recording.
//
//	Browser ── binary: keystrokes ──► Recording.Input ──► Shell.Write
//	        ── text: resize control ─► Shell.Resize ──► Recording.Resize
//	Browser ◄── binary: output ────── Recording.Output ◄── Shell.Read
//	        ◄── text: recording hello first, exit frame (reason, cause code) last
//
// Run returns why the bridge ended, as an error carrying a cause.Cause:
// the caller's context's cause (the technician lost the right, the session
// ended, the gateway stops), Config.ShellEnded's answer when the shell
// side ended, cause.TechnicianEnded when the browser went,
// cause.RecordingFailed when the recording refused a write.
package term

import (
	"context"
	"encoding/json"
	"io"
	"sync"

	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/internal/wire"
)

// Shell is the agent's side of the terminal (broker.Shell is one).
type Shell interface {
	io.ReadWriter
	// Resize tells the agent the terminal's new size.
	Resize(cols, rows int) error
	// Close hangs up the shell; a blocked Read returns.
	Close() error
}

// ReasonCloser is a Shell that can tell the agent why it is closed
// (broker.Shell sends a wire.RequestClose); Run uses it when it can.
type ReasonCloser interface {
	CloseWith(code, reason string) error
}

// Browser is the technician's side: a message-framed connection.
type Browser interface {
	// ReadMessage returns the next message: text (a JSON control) or
	// binary (keystrokes). An error ends the bridge.
	ReadMessage() (text bool, p []byte, err error)
	// WriteBinary sends terminal output; WriteText sends a JSON frame.
	// They are never called concurrently.
	WriteBinary(p []byte) error
	WriteText(p []byte) error
	// Close says goodbye with reason (a close frame) and closes the
	// connection, so that a blocked ReadMessage returns.
	Close(reason string) error
}

// Recording is where the bridge records the session.
type Recording interface {
	// Output records what the shell printed; an error ends the bridge.
	Output(p []byte) error
	// Input records what the technician typed; an error ends the bridge.
	Input(p []byte) error
	// Resize records a new terminal size the shell accepted.
	Resize(cols, rows int)
}

// Config is one bridge.
type Config struct {
	// Shell, Browser and Recording are the three sides. Required.
	Shell     Shell
	Browser   Browser
	Recording Recording
	// RecordingID is told to the browser before any output.
	RecordingID string
	// Touch is called on activity either way (for the idle timeout). Optional.
	Touch func()
	// ShellEnded says why the shell side ended when the gateway did not end
	// it (the shell exited, the user withdrew the permission, the link
	// went). Optional: cause.LinkLost.
	ShellEnded func() error
	// BufferSize is the read buffer for shell output; default 32 KiB.
	BufferSize int
}

// Run copies both ways until ctx ends or a side ends, then closes the
// shell, sends the browser the exit frame and closes it, waits for its
// goroutines and returns why it ended (see the package doc). The caller
// seals the recording afterwards.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Touch == nil {
		cfg.Touch = func() {}
	}
	if cfg.ShellEnded == nil {
		cfg.ShellEnded = func() error { return cause.With(cause.LinkLost, "the shell ended") }
	}
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = 32 << 10
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wmu sync.Mutex // Browser writes are never concurrent
	sendText := func(v any) {
		p, _ := json.Marshal(v)
		wmu.Lock()
		defer wmu.Unlock()
		cfg.Browser.WriteText(p) // a gone browser shows up on ReadMessage
	}
	sendText(wire.BrowserShellRecording{Type: wire.BrowserShellTypeRecording, ID: cfg.RecordingID})

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // agent → browser, recorded
		defer wg.Done()
		buf := make([]byte, cfg.BufferSize)
		for {
			n, err := cfg.Shell.Read(buf)
			if n > 0 {
				cfg.Touch()
				if rerr := cfg.Recording.Output(buf[:n]); rerr != nil {
					cancel(cause.With(cause.RecordingFailed, rerr.Error()))
					return
				}
				wmu.Lock()
				werr := cfg.Browser.WriteBinary(buf[:n])
				wmu.Unlock()
				if werr != nil {
					cancel(cause.With(cause.TechnicianEnded, "the technician disconnected"))
					return
				}
			}
			if err != nil {
				cancel(cfg.ShellEnded())
				return
			}
		}
	}()
	go func() { // browser → agent
		defer wg.Done()
		for {
			text, p, err := cfg.Browser.ReadMessage()
			if err != nil {
				cancel(cause.With(cause.TechnicianEnded, "the technician closed the shell"))
				return
			}
			cfg.Touch()
			if text {
				c, err := wire.ParseBrowserShellControl(p)
				if err != nil {
					continue // a bad control message is ignored, not fatal
				}
				if cfg.Shell.Resize(c.Cols, c.Rows) == nil {
					cfg.Recording.Resize(c.Cols, c.Rows)
				}
				continue
			}
			if err := cfg.Recording.Input(p); err != nil {
				cancel(cause.With(cause.RecordingFailed, err.Error()))
				return
			}
			if _, err := cfg.Shell.Write(p); err != nil {
				cancel(cfg.ShellEnded())
				return
			}
		}
	}()
	<-ctx.Done()
	why := context.Cause(ctx)
	reason := why.Error()
	if c, ok := cfg.Shell.(ReasonCloser); ok {
		c.CloseWith(cause.Code(why), reason) // the agent tells its user why
	} else {
		cfg.Shell.Close()
	}
	sendText(wire.BrowserShellExit{Type: wire.BrowserShellTypeExit, Reason: reason, Code: cause.Code(why)})
	wmu.Lock()
	cfg.Browser.Close(truncate(reason, 100))
	wmu.Unlock()
	wg.Wait()
	return why
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
