package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

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
