package diag

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tetherhq/tether/internal/wire"
)

// Serve handles one tether-diag channel: it reads the request line from
// ch, streams a "result" event per finished check and ends with "done" (or
// a single "error" event when the request is invalid). The caller closes ch.
func (r *Runner) Serve(ctx context.Context, ch io.ReadWriter) error {
	req, err := wire.DiagReadRequest(ch)
	if err != nil {
		if werr := wire.DiagWriteEvent(ch, wire.DiagEvent{Type: wire.DiagEventError, Error: err.Error()}); werr != nil {
			return fmt.Errorf("diag: refuse request: %w", werr)
		}
		return fmt.Errorf("diag: %w", err)
	}
	start := r.cfg.Clock()
	var werr error
	r.Run(ctx, req, func(res wire.DiagResult) {
		if werr != nil {
			return
		}
		res = fitResult(res)
		werr = wire.DiagWriteEvent(ch, wire.DiagEvent{Type: wire.DiagEventResult, Result: &res})
	})
	if werr != nil {
		return fmt.Errorf("diag: send result: %w", werr)
	}
	done := wire.DiagEvent{Type: wire.DiagEventDone, DurationMS: r.cfg.Clock().Sub(start).Milliseconds()}
	if err := wire.DiagWriteEvent(ch, done); err != nil {
		return fmt.Errorf("diag: send done: %w", err)
	}
	return nil
}

// fitResult replaces the data of a result too large for one event line
// (the data caps of each check make this unlikely) with a note.
func fitResult(res wire.DiagResult) wire.DiagResult {
	b, err := json.Marshal(res)
	if err == nil && len(b) < wire.MaxDiagEventLine-1024 {
		return res
	}
	res.Data = map[string]any{"notes": []string{fmt.Sprintf("data dropped: %d bytes is over the event limit", len(b))}}
	res.Status = worst(res.Status, wire.DiagError)
	return res
}
