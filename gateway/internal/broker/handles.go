package broker

import (
	"errors"
	"io"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// The domain handles below are what the broker hands out for a
// technician's actions, so that callers (the api package, the screen feed)
// never hold an ssh.Channel: a Shell (channel.go), a DiagRun and a
// ScreenStream. Each wraps one SSH channel to the agent and discards or
// serves its channel requests itself.

// DiagRun is one diagnostics run on the agent (a wire.ChannelDiag channel):
// Send the request once, then read the results with Collect (or events
// with Next until io.EOF or a done event), and Close.
type DiagRun struct {
	ch ssh.Channel
	rd *wire.DiagReader
}

// OpenDiag opens a diagnostics channel on behalf of actor (the
// technician's display name, shown to the user). A refusal is a
// *RefusedError.
func (l *Live) OpenDiag(actor string) (*DiagRun, error) {
	ch, reqs, err := l.openChannel(wire.ChannelDiag, actor, "diagnostics")
	if err != nil {
		return nil, err
	}
	go ssh.DiscardRequests(reqs)
	return &DiagRun{ch: ch, rd: wire.NewDiagReader(ch)}, nil
}

// Send writes the request and closes the gateway's side for writing: the
// agent runs the checks and streams the results back.
func (d *DiagRun) Send(req wire.DiagRequest) error {
	if err := wire.DiagWriteRequest(d.ch, req); err != nil {
		return err
	}
	// A channel that cannot half-close has gone: Next reports it.
	_ = d.ch.CloseWrite()
	return nil
}

// Next returns the next event from the agent; io.EOF once the agent has
// closed the channel.
func (d *DiagRun) Next() (wire.DiagEvent, error) { return d.rd.Next() }

// Collect reads the run to its end: every result, in order, until the
// agent says it is done or closes the channel. The first max results are
// kept and passed to onResult (optional) as they come; more are dropped.
// The agent's refusal of the request is a *RefusedError (its text
// cleaned); any other error is a read error (a malformed event, or the
// channel closed under it: the caller knows why). A run that ends
// normally returns nil.
func (d *DiagRun) Collect(max int, onResult func(wire.DiagResult)) ([]wire.DiagResult, error) {
	results := []wire.DiagResult{}
	for {
		ev, err := d.Next()
		if errors.Is(err, io.EOF) {
			return results, nil
		}
		if err != nil {
			return results, err
		}
		switch {
		case ev.Type == wire.DiagEventError:
			return results, &RefusedError{Reason: wire.CleanText(ev.Error, 300)}
		case ev.Type == wire.DiagEventDone:
			return results, nil
		case ev.Result != nil && len(results) < max:
			results = append(results, *ev.Result)
			if onResult != nil {
				onResult(*ev.Result)
			}
		}
	}
}

// Close closes the channel; a Next blocked on it returns. It is safe to
// call more than once and from another goroutine.
func (d *DiagRun) Close() error { return ignoreEOF(d.ch.Close()) }

// ScreenStream is a wire.ChannelScreen channel: the agent's hello and
// frame records come in through Read, control records go out through
// Write (see wire's screen framing). Its channel requests are discarded.
type ScreenStream struct {
	ch ssh.Channel
}

var _ io.ReadWriteCloser = (*ScreenStream)(nil)

// OpenScreen opens a screen channel on behalf of actor (the technician's
// display name). A refusal is a *RefusedError.
func (l *Live) OpenScreen(actor string) (*ScreenStream, error) {
	ch, reqs, err := l.openChannel(wire.ChannelScreen, actor, "screen")
	if err != nil {
		return nil, err
	}
	go ssh.DiscardRequests(reqs)
	return &ScreenStream{ch: ch}, nil
}

// Read reads the agent's records.
func (s *ScreenStream) Read(p []byte) (int, error) { return s.ch.Read(p) }

// Write sends control records to the agent.
func (s *ScreenStream) Write(p []byte) (int, error) { return s.ch.Write(p) }

// Close closes the channel, which stops the capture on the agent; a Read
// blocked on it returns. Safe to call more than once.
func (s *ScreenStream) Close() error { return ignoreEOF(s.ch.Close()) }

func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
