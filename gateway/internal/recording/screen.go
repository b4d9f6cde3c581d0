package recording

import (
	"context"
	"fmt"
	"sync"

	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/recorder"
	"github.com/tetherhq/tether/gateway/internal/screenrec"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// Screen is one screen feed's .tsr recording and its row.
type Screen struct {
	s      *Service
	row    *store.Recording
	w      *screenrec.Writer
	failed bool // a write failed (logged once); guarded by the feed's single writer
	once   sync.Once
}

// StartScreen creates the file and the row of a screen recording on
// session sess, opened by actor, of the screen the agent's hello describes.
func (s *Service) StartScreen(ctx context.Context, sess *store.Session, actor string, h *wire.ScreenHello) (*Screen, error) {
	title := "screen of " + sess.Host.Hostname
	monitor := h.Monitor
	if len(h.Monitors) == 0 {
		monitor = wire.ScreenAllMonitors // a hello without monitors omits the field (0)
	}
	row := s.newRow(sess, "screen", ".tsr", actor, title)
	bw, err := s.cfg.Blobs.Create(ctx, row.Key)
	if err != nil {
		return nil, fmt.Errorf("create recording file: %w", err)
	}
	w, err := screenrec.NewWriter(blob.CommitOnClose(ctx, bw), screenrec.Header{Width: h.Width, Height: h.Height, Display: h.Display, Title: title, Actor: actor,
		SessionID: sess.ID, TicketID: sess.TicketID, Monitors: h.Monitors, Monitor: monitor}, screenrec.Options{Clock: s.cfg.Clock, Signer: s.signer()})
	if err != nil {
		bw.Abort(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.cfg.Store.CreateRecording(ctx, row); err != nil {
		w.Close()
		return nil, fmt.Errorf("record recording row: %w", err)
	}
	s.cfg.OnChange(*row)
	return &Screen{s: s, row: row, w: w}, nil
}

// ID is the recording's id.
func (r *Screen) ID() string { return r.row.ID }

// Append records one frame record, or a hello record (the client switched
// monitor: the new size and choice). The first write error is logged; in
// strict mode it is returned (the caller stops the screen view), in
// best-effort mode the view goes on and the recording ends interrupted.
// Append is not safe for concurrent use (one feed writes).
func (r *Screen) Append(rec []byte) error {
	err := r.w.Append(rec)
	if err == nil {
		return nil
	}
	if !r.failed {
		r.failed = true
		r.s.cfg.Log.Error("screen recording write", "session_id", r.row.SessionID, "recording_id", r.row.ID, "err", err)
	}
	if r.s.cfg.Mode == recorder.Strict {
		return err
	}
	return nil
}

// Finish seals the file, stores the seal and writes it to the audit chain,
// as Terminal.Finish does. Only the first call counts.
func (r *Screen) Finish(ctx context.Context, why error) {
	r.once.Do(func() {
		seal, err := r.w.Close()
		r.s.seal(ctx, r.row, Seal{SHA256: seal.SHA256, Size: seal.Size, Signature: seal.Signature}, err, err != nil || !cause.Normal(why),
			map[string]any{"frames": seal.Frames, "keyframes": seal.Keyframes, "reason": why.Error(), "cause": cause.Code(why)})
	})
}
