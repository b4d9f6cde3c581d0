// Package recording is the gateway's one recorder service: it starts,
// appends to, seals or interrupts, and verifies both kinds of recording
// (terminal asciicasts and .tsr screen recordings), so that the terminal
// bridge, the screen feed and the API's /meta endpoint share one lifecycle
// and one seal.
//
//	Start{Terminal,Screen} ── blob.Create + row "recording" + OnChange
//	        │
//	   append (Terminal: output, input, echo, resize; Screen: Append)
//	        │
//	Finish(why) ── writer Close → Seal ── row sealed | interrupted
//	                                    └─ recording.seal in the audit chain
//	Verify(row) ── recorder.Verify: the same check `tether-gateway recording verify` makes
//
// Whether a recording is sealed or interrupted is decided by the end
// cause (cause.Normal), never by message text; a write error also
// interrupts it. The recording mode (recorder.Strict, recorder.BestEffort)
// is applied here for both kinds: in strict mode a write error is returned
// (the caller ends the shell or the screen view); in best-effort mode it
// is logged once and the recording ends interrupted.
//
// The format writers stay in recorder (asciicast) and screenrec (.tsr);
// this package knows neither HTTP nor SQL (it uses a small Store).
package recording

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/recorder"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// Store is what the service needs from persistence.
type Store interface {
	CreateRecording(ctx context.Context, r *store.Recording) error
	UpdateRecording(ctx context.Context, r *store.Recording) error
}

// Auditor records audit events (*audit.Logger is one).
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config configures a Service.
type Config struct {
	// Store keeps the recordings' rows. Required.
	Store Store
	// Blobs keeps the recordings' files. Required.
	Blobs blob.Store
	// Audit receives the seals. Optional (no audit entries).
	Audit Auditor
	// SigningKey signs seals and verifies their signatures. Optional.
	SigningKey ed25519.PrivateKey
	// Mode is recorder.Strict (default) or recorder.BestEffort.
	Mode recorder.Mode
	// OnChange is told of every new or sealed row (live UI updates). Optional.
	OnChange func(store.Recording)
	// Clock returns the time; default time.Now.
	Clock func() time.Time
	// Log is the logger; default discard.
	Log *slog.Logger
}

func (c *Config) checkAndSetDefaults() error {
	switch {
	case c.Store == nil:
		return errors.New("recording: Store is required")
	case c.Blobs == nil:
		return errors.New("recording: Blobs is required")
	}
	if c.OnChange == nil {
		c.OnChange = func(store.Recording) {}
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Service starts, seals and verifies recordings.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if err := cfg.checkAndSetDefaults(); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg}, nil
}

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

// signer signs a seal's SHA-256 with the signing key, or is nil.
func (s *Service) signer() func([32]byte) ([]byte, error) {
	k := s.cfg.SigningKey
	if k == nil {
		return nil
	}
	return func(sum [32]byte) ([]byte, error) { return ed25519.Sign(k, sum[:]), nil }
}

// newRow makes the row of a recording that starts now.
func (s *Service) newRow(sess *store.Session, kind, ext, actor, title string) *store.Recording {
	id := store.NewID("r_")
	return &store.Recording{ID: id, TicketID: sess.TicketID, SessionID: sess.ID, Kind: kind, Actor: actor, Title: title,
		State: store.RecordingActive, Key: blobKey(sess.TicketID, id, ext), StartedAt: s.now()}
}

// Seal is what every kind's writer yields when it closes: the one seal
// type the service stores, audits and verifies.
type Seal struct {
	SHA256    [32]byte // over the exact bytes of the file
	Size      int64
	Signature []byte // Ed25519 over SHA256, nil when unsigned
}

// seal records a closed recording: its row gets the seal and state, the
// audit chain gets the seal, and OnChange is told. closeErr is the
// writer's error on close (the file may be a shorter prefix).
func (s *Service) seal(ctx context.Context, row *store.Recording, seal Seal, closeErr error, interrupted bool, details map[string]any) {
	end := s.now()
	row.EndedAt = &end
	row.State = store.RecordingSealed
	if closeErr != nil {
		s.cfg.Log.Error("seal recording", "recording_id", row.ID, "kind", row.Kind, "err", closeErr)
	}
	if interrupted {
		row.State = store.RecordingInterrupted
	}
	row.Size = seal.Size
	row.SHA256 = hex.EncodeToString(seal.SHA256[:])
	if len(seal.Signature) > 0 {
		row.Signature = base64.StdEncoding.EncodeToString(seal.Signature)
	}
	if err := s.cfg.Store.UpdateRecording(ctx, row); err != nil {
		s.cfg.Log.Error("store recording seal", "recording_id", row.ID, "err", err)
	}
	d := map[string]any{"recording_id": row.ID, "kind": row.Kind, "sha256": row.SHA256, "signature": row.Signature, "size": row.Size, "state": row.State}
	for k, v := range details {
		d[k] = v
	}
	if s.cfg.Audit != nil {
		if err := s.cfg.Audit.Record(ctx, audit.Event{Actor: "gateway", Action: audit.ActionRecordingSeal, TicketID: row.TicketID, SessionID: row.SessionID, Details: d}); err != nil {
			s.cfg.Log.Error("audit recording seal", "err", err)
		}
	}
	s.cfg.OnChange(*row)
}

// Verify recomputes a recording's SHA-256 and checks its seal's signature
// with recorder.Verify, the check `tether-gateway recording verify` makes
// (which also checks the seal against the audit chain). It returns whether
// the recording verifies and a note for people.
func (s *Service) Verify(ctx context.Context, rec *store.Recording) (bool, string) {
	if rec.SHA256 == "" {
		return false, "not sealed yet"
	}
	f, _, err := s.cfg.Blobs.Open(ctx, rec.Key)
	if err != nil {
		return false, "file missing"
	}
	defer f.Close()
	var pub ed25519.PublicKey
	if s.cfg.SigningKey != nil {
		pub = s.cfg.SigningKey.Public().(ed25519.PublicKey)
	}
	v, err := recorder.Verify(f, rec.SHA256, rec.Signature, pub)
	switch {
	case err != nil:
		return false, "file unreadable"
	case !v.Intact:
		return false, "file does not match its seal"
	case pub != nil && v.Signed:
		if !v.SignatureOK {
			return false, "signature does not verify"
		}
		return true, "SHA-256 and Ed25519 signature verify"
	}
	return true, "SHA-256 matches the seal"
}
