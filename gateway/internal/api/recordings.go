package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

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
	if r.Method != http.MethodHead {
		how := "download"
		if r.URL.Query().Get("for") == "replay" {
			how = "replay" // the replay page fetching the file it plays
		}
		if !a.recordView(w, r, rec, how) {
			return
		}
	}
	f, _, err := a.cfg.Blobs.Open(r.Context(), rec.Key) // the key comes from our own row, never from the request
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
	if !a.recordView(w, r, rec, "view") {
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
	out.Verified, out.VerifyNote = a.recs.Verify(r.Context(), rec)
	writeJSON(w, http.StatusOK, out)
}

// recordView audits that the signed-in user opened (how "view": the replay
// page's metadata; "replay": the file the page plays) or downloaded a
// recording. Nothing is served without that entry: on failure it answers
// 500 and returns false.
func (a *API) recordView(w http.ResponseWriter, r *http.Request, rec *store.Recording, how string) bool {
	err := a.cfg.Audit.Record(context.WithoutCancel(r.Context()), audit.Event{Actor: who(r).Name, Action: audit.ActionRecordingView,
		TicketID: rec.TicketID, SessionID: rec.SessionID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"recording_id": rec.ID, "kind": rec.Kind, "how": how}})
	if err != nil {
		a.internal(w, r, "audit recording view", err)
		return false
	}
	return true
}
