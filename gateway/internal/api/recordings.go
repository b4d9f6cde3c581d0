package api

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/recorder"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// termRecording is one shell's asciicast recording and its row.
type termRecording struct {
	a    *API
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

func (a *API) startTermRecording(ctx context.Context, s *store.Session, actor string, cols, rows int) (*termRecording, error) {
	now := a.now()
	id := store.NewID("r_")
	key := fmt.Sprintf("%d/%s.cast", s.TicketID, id)
	title := "shell on " + s.Host.Hostname
	row := &store.Recording{ID: id, TicketID: s.TicketID, SessionID: s.ID, Kind: "terminal", Actor: actor, Title: title,
		State: "recording", Key: key, StartedAt: now}
	f, err := a.cfg.Blobs.Create(key)
	if err != nil {
		return nil, fmt.Errorf("create recording file: %w", err)
	}
	opts := recorder.CastOptions{Clock: a.cfg.Clock, Mode: a.cfg.RecordingMode, Log: a.cfg.Log}
	if a.cfg.SigningKey != nil {
		key := a.cfg.SigningKey
		opts.Signer = func(sum [32]byte) ([]byte, error) { return ed25519.Sign(key, sum[:]), nil }
	}
	cast, err := recorder.NewCast(f, recorder.Header{Version: 2, Width: cols, Height: rows, Timestamp: now.Unix(), Title: title,
		Env: map[string]string{"TERM": "xterm-256color"}}, opts)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("start recording: %w", err)
	}
	if err := a.cfg.Store.CreateRecording(ctx, row); err != nil {
		cast.Close()
		return nil, fmt.Errorf("record recording row: %w", err)
	}
	a.hub.Publish("recording", toRecordingJSON(row))
	return &termRecording{a: a, row: row, cast: cast}, nil
}

func (t *termRecording) output(p []byte) error { return t.cast.Output(p) }
func (t *termRecording) resize(c, r int)       { t.cast.Resize(c, r) }

// termSink is a termRecording as the bridge's term.Recording.
type termSink struct{ t *termRecording }

func (s termSink) Output(p []byte) error { return s.t.output(p) }
func (s termSink) Input(p []byte) error  { return s.t.input(p) }
func (s termSink) Resize(c, r int)       { s.t.resize(c, r) }

// input records what the technician typed: as "i" events while the user's
// terminal shows it, as a length only while it does not (echo off, or not
// reported yet: hiding is the safe guess).
func (t *termRecording) input(p []byte) error {
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

// echo takes the terminal's echo state from the agent (broker.Shell.OnEcho).
// When echo comes back on, the open hidden-input episode ends: its marker
// is written and onHidden told.
func (t *termRecording) echo(known, off bool) {
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
func (t *termRecording) endHiddenLocked() (n int64, episode int) {
	n, _ = t.cast.EndHidden() // a write error surfaces on the next output
	if n > 0 {
		t.episodes++
	}
	return n, t.episodes
}

func (t *termRecording) hidden(n int64, episode int) {
	if n > 0 && t.onHidden != nil {
		t.onHidden(n, episode)
	}
}

// inputStats returns the recording's input counts.
func (t *termRecording) inputStats() recorder.InputStats { return t.cast.InputStats() }

// finish ends an open hidden-input episode, seals the file, stores the seal
// and writes it to the audit chain.
func (t *termRecording) finish(ctx context.Context, why error) {
	t.once.Do(func() {
		t.mu.Lock()
		n, k := t.endHiddenLocked()
		t.mu.Unlock()
		t.hidden(n, k)
		seal, err := t.cast.Close()
		interrupted := err != nil || !cause.Normal(why) // still sealed and signed: a valid prefix
		t.a.storeSeal(ctx, t.row, sealInfo{SHA256: seal.SHA256, Size: seal.Size, Signature: seal.Signature}, err, interrupted,
			map[string]any{"reason": why.Error(), "cause": cause.Code(why)})
	})
}

// sealInfo is what every recording kind's writer returns when it closes.
type sealInfo struct {
	SHA256    [32]byte
	Size      int64
	Signature []byte
}

// storeSeal records a closed recording: its row gets the seal and state,
// the audit chain gets the seal, and browsers are told. closeErr is the
// writer's error on close (the file may be a shorter prefix).
func (a *API) storeSeal(ctx context.Context, row *store.Recording, seal sealInfo, closeErr error, interrupted bool, details map[string]any) {
	end := a.now()
	row.EndedAt = &end
	row.State = store.RecordingSealed
	if closeErr != nil {
		a.cfg.Log.Error("seal recording", "recording_id", row.ID, "kind", row.Kind, "err", closeErr)
	}
	if interrupted {
		row.State = store.RecordingInterrupted
	}
	row.Size = seal.Size
	row.SHA256 = hex.EncodeToString(seal.SHA256[:])
	if len(seal.Signature) > 0 {
		row.Signature = base64.StdEncoding.EncodeToString(seal.Signature)
	}
	if err := a.cfg.Store.UpdateRecording(ctx, row); err != nil {
		a.cfg.Log.Error("store recording seal", "recording_id", row.ID, "err", err)
	}
	d := map[string]any{"recording_id": row.ID, "kind": row.Kind, "sha256": row.SHA256, "signature": row.Signature, "size": row.Size, "state": row.State}
	for k, v := range details {
		d[k] = v
	}
	if err := a.cfg.Audit.Record(ctx, audit.Event{Actor: "gateway", Action: audit.ActionRecordingSeal, TicketID: row.TicketID, SessionID: row.SessionID, Details: d}); err != nil {
		a.cfg.Log.Error("audit recording seal", "err", err)
	}
	a.hub.Publish("recording", toRecordingJSON(row))
}

type recordingJSON struct {
	store.Recording
	URL string `json:"url"`
}

func toRecordingJSON(r *store.Recording) recordingJSON {
	return recordingJSON{Recording: *r, URL: "/api/v1/recordings/" + r.ID}
}

// recordingOr404 loads the recording named in the path.
func (a *API) recordingOr404(w http.ResponseWriter, r *http.Request) *store.Recording {
	id := r.PathValue("id")
	if !validID(id) {
		writeError(w, http.StatusNotFound, "no such recording")
		return nil
	}
	rec, err := a.cfg.Store.Recording(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such recording")
		return nil
	}
	if err != nil {
		a.internal(w, r, "load recording", err)
		return nil
	}
	return rec
}

func (a *API) downloadRecording(w http.ResponseWriter, r *http.Request) {
	rec := a.recordingOr404(w, r)
	if rec == nil {
		return
	}
	f, _, err := a.cfg.Blobs.Open(rec.Key) // the key comes from our own row, never from the request
	if err != nil {
		a.internal(w, r, "open recording", err)
		return
	}
	defer f.Close()
	ext, ctype := ".cast", "application/x-asciicast"
	if rec.Kind == "screen" {
		ext, ctype = ".tsr", "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s%s"`, rec.ID, ext))
	w.Header().Set("Cache-Control", "private, no-store")
	if rec.SHA256 != "" {
		w.Header().Set("X-Tether-SHA256", rec.SHA256)
	}
	http.ServeContent(w, r, "", rec.StartedAt, f)
}

func (a *API) recordingMeta(w http.ResponseWriter, r *http.Request) {
	rec := a.recordingOr404(w, r)
	if rec == nil {
		return
	}
	out := struct {
		recordingJSON
		Verified   bool    `json:"verified"`
		VerifyNote string  `json:"verify_note"`
		DurationS  float64 `json:"duration_s"`
	}{recordingJSON: toRecordingJSON(rec)}
	if rec.EndedAt != nil {
		out.DurationS = rec.EndedAt.Sub(rec.StartedAt).Round(time.Millisecond).Seconds()
	}
	out.Verified, out.VerifyNote = a.verifyRecording(rec)
	writeJSON(w, http.StatusOK, out)
}

// verifyRecording recomputes the file's SHA-256 and checks the seal's signature.
func (a *API) verifyRecording(rec *store.Recording) (bool, string) {
	if rec.SHA256 == "" {
		return false, "not sealed yet"
	}
	f, _, err := a.cfg.Blobs.Open(rec.Key)
	if err != nil {
		return false, "file missing"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, "file unreadable"
	}
	sum := h.Sum(nil)
	if hex.EncodeToString(sum) != rec.SHA256 {
		return false, "file does not match its seal"
	}
	if a.cfg.SigningKey != nil && rec.Signature != "" {
		sig, err := base64.StdEncoding.DecodeString(rec.Signature)
		if err != nil || !ed25519.Verify(a.cfg.SigningKey.Public().(ed25519.PublicKey), sum, sig) {
			return false, "signature does not verify"
		}
		return true, "SHA-256 and Ed25519 signature verify"
	}
	return true, "SHA-256 matches the seal"
}
