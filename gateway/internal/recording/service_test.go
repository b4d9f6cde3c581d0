package recording

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/recorder"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// memStore keeps rows in memory.
type memStore struct {
	mu   sync.Mutex
	rows map[string]store.Recording
}

func (m *memStore) CreateRecording(_ context.Context, r *store.Recording) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows == nil {
		m.rows = map[string]store.Recording{}
	}
	m.rows[r.ID] = *r
	return nil
}

func (m *memStore) UpdateRecording(_ context.Context, r *store.Recording) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows[r.ID] = *r
	return nil
}

func (m *memStore) row(id string) store.Recording {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rows[id]
}

// memAudit keeps audit events.
type memAudit struct {
	mu sync.Mutex
	es []audit.Event
}

func (a *memAudit) Record(_ context.Context, e audit.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.es = append(a.es, e)
	return nil
}

type fixture struct {
	svc     *Service
	st      *memStore
	au      *memAudit
	dir     *blob.Dir
	changes []store.Recording
	key     ed25519.PrivateKey
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	dir, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	f := &fixture{st: &memStore{}, au: &memAudit{}, dir: dir, key: key}
	cfg := Config{Store: f.st, Blobs: dir, Audit: f.au, SigningKey: key, OnChange: func(r store.Recording) { f.changes = append(f.changes, r) }}
	if mod != nil {
		mod(&cfg)
	}
	if f.svc, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

var sess = &store.Session{ID: "s_test", TicketID: 7, Host: store.HostInfo{Hostname: "pc1"}}

// sealEvent returns the one recording.seal event, decoded.
func (f *fixture) sealEvent(t *testing.T) map[string]any {
	t.Helper()
	var d map[string]any
	n := 0
	for _, e := range f.au.es {
		if e.Action == audit.ActionRecordingSeal {
			n++
			b, _ := json.Marshal(e.Details)
			json.Unmarshal(b, &d)
			if e.Actor != "gateway" || e.TicketID != sess.TicketID || e.SessionID != sess.ID {
				t.Errorf("seal event %+v: want actor gateway on ticket %d, session %s", e, sess.TicketID, sess.ID)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d seal events, want 1", n)
	}
	return d
}

func TestNewRequires(t *testing.T) {
	if _, err := New(Config{Blobs: &blob.Dir{}}); err == nil {
		t.Error("New without Store: no error")
	}
	if _, err := New(Config{Store: &memStore{}}); err == nil {
		t.Error("New without Blobs: no error")
	}
}

func TestTerminalSealedAndVerified(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	rec, err := f.svc.StartTerminal(ctx, sess, "alice", 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	row := f.st.row(rec.ID())
	if row.State != store.RecordingActive || row.Kind != "terminal" || row.Key != "7/"+rec.ID()+".cast" || row.Title != "shell on pc1" || row.Actor != "alice" {
		t.Errorf("started row %+v", row)
	}
	if len(f.changes) != 1 {
		t.Errorf("OnChange calls after start: %d, want 1", len(f.changes))
	}
	if ok, note := f.svc.Verify(context.Background(), &row); ok || note != "not sealed yet" {
		t.Errorf("Verify while recording: %v %q", ok, note)
	}
	rec.Echo(true, false)
	if err := rec.Output([]byte("$ ")); err != nil {
		t.Fatal(err)
	}
	if err := rec.Input([]byte("ls\r")); err != nil {
		t.Fatal(err)
	}
	rec.Resize(100, 30)
	rec.Finish(ctx, cause.ShellExited)
	rec.Finish(ctx, cause.LinkLost) // only the first counts
	row = f.st.row(rec.ID())
	if row.State != store.RecordingSealed || row.EndedAt == nil || row.SHA256 == "" || row.Signature == "" || row.Size == 0 {
		t.Errorf("sealed row %+v", row)
	}
	d := f.sealEvent(t)
	if d["cause"] != cause.ShellExited.Code() || d["state"] != store.RecordingSealed || d["sha256"] != row.SHA256 || d["kind"] != "terminal" {
		t.Errorf("seal details %v", d)
	}
	if len(f.changes) != 2 || f.changes[1].State != store.RecordingSealed {
		t.Errorf("OnChange after seal: %+v", f.changes)
	}
	if ok, note := f.svc.Verify(context.Background(), &row); !ok || note != "SHA-256 and Ed25519 signature verify" {
		t.Errorf("Verify: %v %q", ok, note)
	}
	if in := rec.InputStats(); in.Bytes != 3 {
		t.Errorf("input stats %+v, want 3 bytes", in)
	}
}

func TestEndCauseDecidesInterrupted(t *testing.T) {
	for _, tc := range []struct {
		why  error
		want string
	}{
		{cause.ShellExited, store.RecordingSealed},
		{cause.With(cause.TechnicianEnded, "closed"), store.RecordingSealed},
		{cause.With(cause.UserRevoked, "revoke shell"), store.RecordingSealed},
		{cause.RightWithdrawn, store.RecordingSealed},
		{cause.LinkLost, store.RecordingInterrupted},
		{cause.GatewayShutdown, store.RecordingInterrupted},
		{cause.With(cause.RecordingFailed, "disk full"), store.RecordingInterrupted},
	} {
		t.Run(cause.Code(tc.why), func(t *testing.T) {
			f := newFixture(t, nil)
			rec, err := f.svc.StartTerminal(context.Background(), sess, "alice", 80, 24)
			if err != nil {
				t.Fatal(err)
			}
			rec.Finish(context.Background(), tc.why)
			if got := f.st.row(rec.ID()).State; got != tc.want {
				t.Errorf("state after %v: got %q, want %q", tc.why, got, tc.want)
			}
		})
	}
}

// frame is a minimal frame record (the writer checks framing, not pixels).
func frame(key bool) []byte {
	rec := binary.BigEndian.AppendUint32(nil, 6)
	rec = append(rec, wire.ScreenMsgFrame, 0, 'j', 'p', 'e', 'g')
	if key {
		rec[5] = 1
	}
	return rec
}

func TestScreenSealedWithCounts(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.SigningKey = nil })
	ctx := context.Background()
	rec, err := f.svc.StartScreen(ctx, sess, "alice", &wire.ScreenHello{Width: 640, Height: 480, Display: "main"})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []bool{true, false, false, true} {
		if err := rec.Append(frame(key)); err != nil {
			t.Fatal(err)
		}
	}
	rec.Finish(ctx, cause.With(cause.TechnicianEnded, "the last viewer left"))
	row := f.st.row(rec.ID())
	if row.State != store.RecordingSealed || row.Kind != "screen" || row.Key != "7/"+rec.ID()+".tsr" || row.Signature != "" {
		t.Errorf("sealed row %+v", row)
	}
	d := f.sealEvent(t)
	if d["frames"] != float64(4) || d["keyframes"] != float64(2) {
		t.Errorf("seal details %v, want 4 frames and 2 keyframes", d)
	}
	if ok, note := f.svc.Verify(context.Background(), &row); !ok || note != "SHA-256 matches the seal" {
		t.Errorf("Verify unsigned: %v %q", ok, note)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	rec, err := f.svc.StartTerminal(ctx, sess, "alice", 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	rec.Output([]byte("hello"))
	rec.Finish(ctx, cause.ShellExited)
	row := f.st.row(rec.ID())

	forged := row
	forged.Signature = "AAAA" + row.Signature[4:]
	if ok, note := f.svc.Verify(context.Background(), &forged); ok || note != "signature does not verify" {
		t.Errorf("Verify with a forged signature: %v %q", ok, note)
	}
	missing := row
	missing.Key = "7/r_nothere.cast"
	if ok, note := f.svc.Verify(context.Background(), &missing); ok || note != "file missing" {
		t.Errorf("Verify of a missing file: %v %q", ok, note)
	}
	p := filepath.Join(f.dir.Path(), filepath.FromSlash(row.Key))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-3] ^= 1
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if ok, note := f.svc.Verify(context.Background(), &row); ok || note != "file does not match its seal" {
		t.Errorf("Verify of a flipped byte: %v %q", ok, note)
	}
}

// failingBlobs makes writers that fail once past limit bytes.
type failingBlobs struct {
	blob.Store
	limit int
}

type failingWriter struct {
	n, limit int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		return 0, errors.New("disk full")
	}
	w.n += len(p)
	return len(p), nil
}
func (w *failingWriter) Sync() error                  { return nil }
func (w *failingWriter) Commit(context.Context) error { return nil }
func (w *failingWriter) Abort(context.Context) error  { return nil }

func (b failingBlobs) Create(context.Context, string) (blob.Writer, error) {
	return &failingWriter{limit: b.limit}, nil
}
func (b failingBlobs) Open(context.Context, string) (io.ReadSeekCloser, int64, error) {
	return nil, 0, errors.New("not kept")
}

func TestScreenModeOnWriteError(t *testing.T) {
	for _, tc := range []struct {
		mode    recorder.Mode
		wantErr bool
	}{{recorder.Strict, true}, {recorder.BestEffort, false}} {
		f := newFixture(t, func(c *Config) { c.Mode = tc.mode; c.Blobs = failingBlobs{limit: 300} })
		rec, err := f.svc.StartScreen(context.Background(), sess, "alice", &wire.ScreenHello{Width: 640, Height: 480})
		if err != nil {
			t.Fatal(err)
		}
		var got error
		for range 200 {
			if err := rec.Append(frame(true)); err != nil {
				got = err
				break
			}
		}
		if (got != nil) != tc.wantErr {
			t.Errorf("mode %v: Append error %v, want error %v", tc.mode, got, tc.wantErr)
		}
		rec.Finish(context.Background(), cause.ShellExited) // a normal cause, but the file is short
		if st := f.st.row(rec.ID()).State; st != store.RecordingInterrupted {
			t.Errorf("mode %v: state %q after a write error, want interrupted", tc.mode, st)
		}
	}
}
