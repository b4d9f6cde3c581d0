package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/rights"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// File transfers (scope files, the tether-files channel; docs/files.md):
//
//	POST /api/v1/sessions/{id}/files/collect {path}   the user's file into the ticket
//	POST /api/v1/sessions/{id}/files/send?name=N      raw body: a file to the user's Downloads
//	GET  /api/v1/tickets/{id}/files                    the ticket's transfers
//	GET  /api/v1/files/{id}                            a transfer's bytes (audited)
//
// Each request runs one transfer to its end and answers with its row. Its
// progress is published as "file" events.

// Bounds of a transfer.
const (
	// FileAnswerTimeout bounds the wait for the user's Allow or Refuse.
	FileAnswerTimeout = 2 * time.Minute
	// FileTimeout bounds one transfer end to end.
	FileTimeout = 30 * time.Minute
	// fileProgressEvery spaces progress events.
	fileProgressEvery = 250 * time.Millisecond
)

// FileStore is what file transfers need (files.go, timeline.go).
type FileStore interface {
	CreateFile(ctx context.Context, f *store.File) error
	File(ctx context.Context, id string) (*store.File, error)
	ListFiles(ctx context.Context, ticketID int64) ([]store.File, error)
}

// files returns the store's FileStore (every backend implements it; New checks).
func (a *API) files() FileStore { return a.cfg.Store.(FileStore) }

// maxFileSize is Config.MaxFileSize or its default.
func (a *API) maxFileSize() int64 {
	if a.cfg.MaxFileSize > 0 {
		return a.cfg.MaxFileSize
	}
	return wire.DefaultMaxFileSize
}

// fileBusy allows one transfer at a time per session.
type fileBusy struct {
	mu  sync.Mutex
	set map[string]bool
}

func (b *fileBusy) take(session string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.set == nil {
		b.set = map[string]bool{}
	}
	if b.set[session] {
		return false
	}
	b.set[session] = true
	return true
}

func (b *fileBusy) give(session string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.set, session)
}

// fileJSON is a transfer as the API shows it.
type fileJSON struct {
	ID        string    `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	SessionID string    `json:"session_id"`
	Direction string    `json:"direction"`
	Actor     string    `json:"actor"`
	Name      string    `json:"name"`
	Path      string    `json:"path"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	State     string    `json:"state"`
	Error     string    `json:"error,omitempty"`
	Stored    bool      `json:"stored"`
	CreatedAt time.Time `json:"created_at"`
}

func toFileJSON(f *store.File) fileJSON {
	return fileJSON{ID: f.ID, TicketID: f.TicketID, SessionID: f.SessionID, Direction: f.Direction, Actor: f.Actor,
		Name: f.Name, Path: f.Path, Size: f.Size, SHA256: f.SHA256, State: f.State, Error: f.Error,
		Stored: f.Key != "", CreatedAt: f.CreatedAt}
}

// fileEvent is published as a transfer moves on ("file" events).
type fileEvent struct {
	ID        string    `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	SessionID string    `json:"session_id"`
	Direction string    `json:"direction"`
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	Done      int64     `json:"done"`
	State     string    `json:"state"` // asking, uploading, transferring, complete, refused, failed
	Error     string    `json:"error,omitempty"`
	File      *fileJSON `json:"file,omitempty"` // the row, once stored
}

// xfer is one transfer being run by a handler.
type xfer struct {
	a    *API
	r    *http.Request
	s    *store.Session
	l    *broker.Live
	ev   fileEvent
	last time.Time
}

func (x *xfer) publish(state string, done int64, errText string) {
	x.ev.State, x.ev.Done, x.ev.Error = state, done, errText
	x.a.hub.Publish("file", x.ev)
}

// progress publishes the running count, spaced by fileProgressEvery.
func (x *xfer) progress(done int64) {
	if now := time.Now(); now.Sub(x.last) >= fileProgressEvery || done == x.ev.Size {
		x.last = now
		x.publish("transferring", done, "")
	}
}

// audit records e's action for this transfer; false (and 500) when it could not.
func (x *xfer) audit(w http.ResponseWriter, action string, details map[string]any) bool {
	details["transfer_id"] = x.ev.ID
	details["direction"] = x.ev.Direction
	err := x.a.cfg.Audit.Record(context.WithoutCancel(x.r.Context()), audit.Event{Actor: who(x.r).Name, Action: action,
		TicketID: x.s.TicketID, SessionID: x.s.ID, RemoteAddr: x.r.RemoteAddr, Details: details})
	if err != nil {
		if w != nil {
			x.a.internal(w, x.r, "audit "+action, err)
		} else {
			x.a.cfg.Log.Error("audit record failed", "action", action, "err", err)
		}
		return false
	}
	return true
}

// why says why a transfer stopped, in the technician's words.
func (x *xfer) why(held context.Context, err error) string {
	switch {
	case !x.l.Granted().Has(wire.ScopeFiles):
		return "stopped: the user revoked files"
	case errors.Is(context.Cause(held), rights.ErrWithdrawn):
		return "stopped: " + context.Cause(held).Error()
	case x.r.Context().Err() != nil:
		return "the request was aborted"
	case held.Err() != nil:
		return "the transfer timed out"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the client stopped the transfer"
	}
	return err.Error()
}

// begin does what both directions share: the live session, one transfer at
// a time, the scope, the request's audit entry. It returns nil after
// answering.
func (a *API) beginFile(w http.ResponseWriter, r *http.Request, s *store.Session, direction, name string, details map[string]any) (*xfer, func()) {
	l := a.liveFor(w, r, s)
	if l == nil {
		return nil, nil
	}
	if !l.Granted().Has(wire.ScopeFiles) {
		writeErrorCode(w, http.StatusForbidden, codeScopeNotGranted, "the user has not granted files; ask for it first")
		return nil, nil
	}
	if !a.xfers.take(s.ID) {
		writeError(w, http.StatusConflict, "another file transfer is running in this session")
		return nil, nil
	}
	x := &xfer{a: a, r: r, s: s, l: l, ev: fileEvent{ID: store.NewID("f_"), TicketID: s.TicketID, SessionID: s.ID, Direction: direction, Name: name}}
	if !x.audit(w, audit.ActionFileRequest, details) {
		a.xfers.give(s.ID)
		return nil, nil
	}
	return x, func() { a.xfers.give(s.ID) }
}

// open opens the channel and sends req; the answer phase is bounded by
// FileAnswerTimeout. The returned context ends with the right, the request
// or FileTimeout, and closes the transfer.
func (x *xfer) open(w http.ResponseWriter, req wire.FileRequest) (*broker.FileTransfer, wire.FileEvent, context.Context, func(), bool) {
	a, r := x.a, x.r
	ft, err := x.l.OpenFiles(who(r).Display, "files: "+req.Op)
	if err != nil {
		if !a.refused(w, r, x.s, "files", err) {
			writeError(w, http.StatusBadGateway, "could not start the transfer on the client")
		}
		x.publish("failed", 0, "the client refused the channel")
		return nil, wire.FileEvent{}, nil, nil, false
	}
	held, release := a.hold(r.Context(), r, "file transfer", auth.ActDiagRun, x.s.TicketID, x.s.ID)
	ctx, cancel := context.WithTimeout(held, FileTimeout)
	stop := context.AfterFunc(ctx, func() { ft.Close() })
	done := func() { stop(); cancel(); release(); ft.Close() }
	x.publish("asking", 0, "")
	if err := ft.Start(req); err != nil {
		done()
		x.fail(w, ctx, err, nil)
		return nil, wire.FileEvent{}, nil, nil, false
	}
	answer := time.AfterFunc(FileAnswerTimeout, func() { ft.Close() })
	ev, err := ft.Next()
	answered := answer.Stop()
	if err != nil {
		if !answered {
			err = errors.New("no answer from the user in time")
		}
		x.fail(w, ctx, err, nil)
		done()
		return nil, wire.FileEvent{}, nil, nil, false
	}
	switch ev.Type {
	case wire.FileEventAccept:
		return ft, ev, ctx, done, true
	case wire.FileEventRefused:
		x.audit(nil, audit.ActionFileRefuse, map[string]any{"reason": ev.Error})
		x.publish("refused", 0, "the user refused")
		writeErrorCode(w, http.StatusForbidden, codeFileRefused, "the user refused the transfer")
	default:
		msg := "the client refused: " + ev.Error
		x.audit(nil, audit.ActionFileFail, map[string]any{"error": msg})
		x.publish("failed", 0, msg)
		writeErrorCode(w, http.StatusForbidden, codeClientRefused, msg)
	}
	done()
	return nil, ev, nil, nil, false
}

// fail audits and answers a transfer that stopped (row: optional, for a
// sent file whose upload stays stored).
func (x *xfer) fail(w http.ResponseWriter, ctx context.Context, err error, row *store.File) {
	msg := x.why(ctx, err)
	x.audit(nil, audit.ActionFileFail, map[string]any{"error": msg})
	if row != nil {
		row.State, row.Error = store.FileFailed, msg
		if cerr := x.a.files().CreateFile(context.WithoutCancel(x.r.Context()), row); cerr != nil {
			x.a.cfg.Log.Error("store failed transfer", "err", cerr)
		}
	}
	x.publish("failed", 0, msg)
	writeErrorCode(w, http.StatusBadGateway, codeClientFailed, msg)
}

// collectFile: the technician names a path on the user's machine; the user
// allows or refuses; the bytes go into the blob store next to the ticket's
// recordings, hashed on the way, and must match the client's own SHA-256.
func (a *API) collectFile(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	var body struct {
		Path string `json:"path"`
	}
	if err := a.decodeJSON(w, r, &body); err != nil {
		failInput(w, err)
		return
	}
	if err := wire.CheckFilePath(body.Path); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	x, end := a.beginFile(w, r, s, store.FileCollected, body.Path, map[string]any{"path": body.Path})
	if x == nil {
		return
	}
	defer end()
	max := a.maxFileSize()
	ft, ev, ctx, done, ok := x.open(w, wire.FileRequest{Op: wire.FileCollect, Path: body.Path, Ticket: s.TicketID, MaxSize: max})
	if !ok {
		return
	}
	defer done()
	if ev.Size > max || ev.Name == "" {
		x.fail(w, ctx, fmt.Errorf("the client offered %d bytes named %q (limit %d)", ev.Size, ev.Name, max), nil)
		return
	}
	x.ev.Name, x.ev.Size = ev.Name, ev.Size
	key := fmt.Sprintf("%d/%s.bin", s.TicketID, x.ev.ID)
	bw, err := a.cfg.Blobs.Create(ctx, key)
	if err != nil {
		a.internal(w, r, "create file blob", err)
		return
	}
	defer bw.Abort(context.WithoutCancel(ctx))
	h := sha256.New()
	n, err := copyN(io.MultiWriter(bw, h), ft, ev.Size, x.progress)
	if err != nil || n != ev.Size {
		x.fail(w, ctx, orShort(err, n, ev.Size), nil)
		return
	}
	fin, err := ft.Next()
	sum := hex.EncodeToString(h.Sum(nil))
	switch {
	case err != nil:
		x.fail(w, ctx, err, nil)
		return
	case fin.Type != wire.FileEventDone:
		x.fail(w, ctx, errors.New("the client stopped: "+fin.Error), nil)
		return
	case fin.SHA256 != sum:
		x.fail(w, ctx, fmt.Errorf("SHA-256 mismatch: the client sent %s, the gateway received %s; discarded", fin.SHA256, sum), nil)
		return
	}
	if err := bw.Commit(context.WithoutCancel(ctx)); err != nil {
		a.internal(w, r, "commit file blob", err)
		return
	}
	row := &store.File{ID: x.ev.ID, TicketID: s.TicketID, SessionID: s.ID, Direction: store.FileCollected, Actor: who(r).Name,
		Name: ev.Name, Path: ev.Path, Size: n, SHA256: sum, State: store.FileComplete, Key: key, CreatedAt: a.now()}
	a.finishFile(w, x, row)
}

// finishFile stores the row of a completed transfer, audits and answers.
func (a *API) finishFile(w http.ResponseWriter, x *xfer, row *store.File) {
	if err := a.files().CreateFile(context.WithoutCancel(x.r.Context()), row); err != nil {
		a.internal(w, x.r, "store file", err)
		return
	}
	x.audit(nil, audit.ActionFileComplete, map[string]any{"name": row.Name, "path": row.Path, "size": row.Size, "sha256": row.SHA256})
	fj := toFileJSON(row)
	x.ev.File = &fj
	x.publish(row.State, row.Size, "")
	writeJSON(w, http.StatusCreated, fj)
}

// sendFile: the technician uploads a file (raw body, ?name=); the gateway
// stores it, hashed, then offers it to the user, who accepts or refuses;
// the client saves it in Downloads and reports the final name.
func (a *API) sendFile(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	name := r.URL.Query().Get("name")
	if err := wire.CheckFileName(name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	max := a.maxFileSize()
	if r.ContentLength > max {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than the limit of %d bytes", max))
		return
	}
	x, end := a.beginFile(w, r, s, store.FileSent, name, map[string]any{"name": name, "size": r.ContentLength})
	if x == nil {
		return
	}
	defer end()
	x.publish("uploading", 0, "")
	key := fmt.Sprintf("%d/%s.bin", s.TicketID, x.ev.ID)
	bw, err := a.cfg.Blobs.Create(r.Context(), key)
	if err != nil {
		a.internal(w, r, "create file blob", err)
		return
	}
	defer bw.Abort(context.WithoutCancel(r.Context()))
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(bw, h), http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		msg := "the upload did not complete"
		if errors.As(err, &mbe) {
			msg = fmt.Sprintf("the file is larger than the limit of %d bytes", max)
		}
		x.audit(nil, audit.ActionFileFail, map[string]any{"error": msg})
		x.publish("failed", 0, msg)
		writeError(w, http.StatusRequestEntityTooLarge, msg)
		return
	}
	if err := bw.Commit(context.WithoutCancel(r.Context())); err != nil {
		a.internal(w, r, "commit file blob", err)
		return
	}
	sum := hex.EncodeToString(h.Sum(nil))
	x.ev.Size = n
	row := &store.File{ID: x.ev.ID, TicketID: s.TicketID, SessionID: s.ID, Direction: store.FileSent, Actor: who(r).Name,
		Name: name, Size: n, SHA256: sum, Key: key, CreatedAt: a.now()}
	ft, ev, ctx, done, ok := x.open(w, wire.FileRequest{Op: wire.FileSend, Name: name, Size: n, SHA256: sum, Ticket: s.TicketID, MaxSize: max})
	if !ok {
		row.State = store.FileFailed
		if ev.Type == wire.FileEventRefused {
			row.State = store.FileRefused
		}
		row.Error = ev.Error
		if err := a.files().CreateFile(context.WithoutCancel(r.Context()), row); err != nil {
			a.cfg.Log.Error("store refused transfer", "err", err)
		}
		return
	}
	defer done()
	src, _, err := a.cfg.Blobs.Open(ctx, key)
	if err != nil {
		a.internal(w, r, "open file blob", err)
		return
	}
	defer src.Close()
	if m, err := copyN(ft, src, n, x.progress); err != nil || m != n {
		x.fail(w, ctx, orShort(err, m, n), row)
		return
	}
	ft.CloseWrite()
	fin, err := ft.Next()
	switch {
	case err != nil:
		x.fail(w, ctx, err, row)
		return
	case fin.Type != wire.FileEventDone:
		x.fail(w, ctx, errors.New("the client could not save it: "+fin.Error), row)
		return
	case fin.SHA256 != sum:
		x.fail(w, ctx, errors.New("the client reports another SHA-256"), row)
		return
	}
	row.Path, row.State = fin.Name, store.FileComplete
	a.finishFile(w, x, row)
}

// copyN copies exactly n bytes in wire.FileChunk pieces, reporting progress.
func copyN(dst io.Writer, src io.Reader, n int64, progress func(int64)) (int64, error) {
	buf := make([]byte, wire.FileChunk)
	var done int64
	for done < n {
		k, err := src.Read(buf[:min(int64(len(buf)), n-done)])
		if k > 0 {
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return done, werr
			}
			done += int64(k)
			progress(done)
		}
		if err != nil {
			if err == io.EOF && done == n {
				break
			}
			return done, err
		}
	}
	return done, nil
}

func orShort(err error, got, want int64) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("stopped after %d of %d bytes", got, want)
}

// listFiles lists a ticket's transfers.
func (a *API) listFiles(w http.ResponseWriter, r *http.Request) {
	t := a.ticketOr404(w, r)
	if t == nil {
		return
	}
	rows, err := a.files().ListFiles(r.Context(), t.ID)
	if err != nil {
		a.internal(w, r, "list files", err)
		return
	}
	out := make([]fileJSON, 0, len(rows))
	for i := range rows {
		out = append(out, toFileJSON(&rows[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// downloadFile serves a transfer's stored bytes, after its audit entry.
func (a *API) downloadFile(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		writeError(w, http.StatusNotFound, "no such file")
		return
	}
	f, err := a.files().File(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && f.Key == "" {
		writeError(w, http.StatusNotFound, "no such file")
		return
	}
	if err != nil {
		a.internal(w, r, "load file", err)
		return
	}
	if r.Method != http.MethodHead {
		if err := a.cfg.Audit.Record(context.WithoutCancel(r.Context()), audit.Event{Actor: who(r).Name, Action: audit.ActionFileDownload,
			TicketID: f.TicketID, SessionID: f.SessionID, RemoteAddr: r.RemoteAddr,
			Details: map[string]any{"transfer_id": f.ID, "name": f.Name, "sha256": f.SHA256}}); err != nil {
			a.internal(w, r, "audit file download", err)
			return
		}
	}
	rd, _, err := a.cfg.Blobs.Open(r.Context(), f.Key) // our own row's key, never the request's
	if err != nil {
		a.internal(w, r, "open file", err)
		return
	}
	defer rd.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment; filename=\""+safeHeaderName(f.Name)+"\"; filename*=UTF-8''"+pathEscape(f.Name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Tether-SHA256", f.SHA256)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	http.ServeContent(w, r, "", f.CreatedAt, rd)
}

// safeHeaderName keeps printable ASCII other than quotes and backslashes.
func safeHeaderName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b = append(b, c)
		} else {
			b = append(b, '_')
		}
	}
	return string(b)
}

// pathEscape percent-encodes everything but unreserved characters (RFC 5987).
func pathEscape(s string) string {
	const hexd = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b = append(b, c)
		} else {
			b = append(b, '%', hexd[c>>4], hexd[c&15])
		}
	}
	return string(b)
}
