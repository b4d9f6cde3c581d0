package recording

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/recorder"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// blobKey is where a recording's file lives: TICKET/ID.EXT.
func blobKey(ticketID int64, id, ext string) string {
	return strconv.FormatInt(ticketID, 10) + "/" + id + ext
}

// Terminal is one shell's asciicast recording and its row. Its Output,
// Input and Resize make it the terminal bridge's term.Recording.
type Terminal struct {
	s    *Service
	row  *store.Recording
	cast *recorder.Cast

	// onHidden, if set, is told of every ended episode of hidden input:
	// its byte count and its number (1, 2, ...). Set before echo is wired.
	onHidden func(n int64, episode int)

	mu       sync.Mutex // orders input against echo changes
	echoSeen bool       // the agent has reported the echo state
	echoOff  bool
	episodes int

	once sync.Once
}

// StartTerminal creates the file and the row of a shell's recording on
// session sess, opened by actor with a terminal of cols×rows.
func (s *Service) StartTerminal(ctx context.Context, sess *store.Session, actor string, cols, rows int) (*Terminal, error) {
	title := "shell on " + sess.Host.Hostname
	row := s.newRow(sess, "terminal", ".cast", actor, title)
	f, err := s.cfg.Blobs.Create(ctx, row.Key)
	if err != nil {
		return nil, fmt.Errorf("create recording file: %w", err)
	}
	opts := recorder.CastOptions{Clock: s.cfg.Clock, Mode: s.cfg.Mode, Log: s.cfg.Log, Signer: s.signer()}
	cast, err := recorder.NewCast(blob.CommitOnClose(ctx, f), recorder.Header{Version: 2, Width: cols, Height: rows, Timestamp: row.StartedAt.Unix(), Title: title,
		Env: map[string]string{"TERM": "xterm-256color"}}, opts)
	if err != nil {
		f.Abort(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("start recording: %w", err)
	}
	if err := s.cfg.Store.CreateRecording(ctx, row); err != nil {
		cast.Close()
		return nil, fmt.Errorf("record recording row: %w", err)
	}
	s.cfg.OnChange(*row)
	return &Terminal{s: s, row: row, cast: cast}, nil
}

// ID is the recording's id.
func (t *Terminal) ID() string { return t.row.ID }

// OnHidden makes f hear of every ended episode of hidden input (its byte
// count and number). Call it before the echo state is wired.
func (t *Terminal) OnHidden(f func(n int64, episode int)) { t.onHidden = f }

// Output records what the shell printed.
func (t *Terminal) Output(p []byte) error { return t.cast.Output(p) }

// Resize records a new terminal size.
func (t *Terminal) Resize(c, r int) { t.cast.Resize(c, r) }

// Input records what the technician typed: as "i" events while the user's
// terminal shows it, as a length only while it does not (echo off, or not
// reported yet: hiding is the safe guess).
func (t *Terminal) Input(p []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case !t.echoSeen:
		return t.cast.HiddenInput(p, "echo state unknown")
	case t.echoOff:
		return t.cast.HiddenInput(p, "echo off")
	}
	return t.cast.Input(p)
}

// Echo takes the terminal's echo state from the agent (broker.Shell.OnEcho).
// When echo comes back on, the open hidden-input episode ends: its marker
// is written and the OnHidden function told.
func (t *Terminal) Echo(known, off bool) {
	t.mu.Lock()
	t.echoSeen, t.echoOff = known, off
	var n int64
	var k int
	if known && !off {
		n, k = t.endHiddenLocked()
	}
	t.mu.Unlock()
	t.hidden(n, k)
}

// endHiddenLocked ends the open episode; t.mu is held.
func (t *Terminal) endHiddenLocked() (n int64, episode int) {
	n, _ = t.cast.EndHidden() // a write error surfaces on the next output
	if n > 0 {
		t.episodes++
	}
	return n, t.episodes
}

func (t *Terminal) hidden(n int64, episode int) {
	if n > 0 && t.onHidden != nil {
		t.onHidden(n, episode)
	}
}

// InputStats returns the recording's input counts.
func (t *Terminal) InputStats() recorder.InputStats { return t.cast.InputStats() }

// Finish ends an open hidden-input episode, seals the file, stores the
// seal and writes it to the audit chain. why is the shell's end cause: a
// normal one seals the recording, any other (or a write error) marks it
// interrupted (still sealed and signed: a valid prefix). Only the first
// call counts.
func (t *Terminal) Finish(ctx context.Context, why error) {
	t.once.Do(func() {
		t.mu.Lock()
		n, k := t.endHiddenLocked()
		t.mu.Unlock()
		t.hidden(n, k)
		seal, err := t.cast.Close()
		interrupted := err != nil || !cause.Normal(why)
		t.s.seal(ctx, t.row, Seal{SHA256: seal.SHA256, Size: seal.Size, Signature: seal.Signature}, err, interrupted,
			map[string]any{"reason": why.Error(), "cause": cause.Code(why)})
	})
}
