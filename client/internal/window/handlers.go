package window

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

//go:embed assets
var assets embed.FS

// actionTimeout bounds one button's call to the agent.
const actionTimeout = 15 * time.Second

func (w *Window) serveAsset(name string) http.HandlerFunc {
	ctype := map[string]string{".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
		".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}[name[strings.LastIndexByte(name, '.'):]]
	return func(rw http.ResponseWriter, r *http.Request) {
		b, err := assets.ReadFile("assets/" + name)
		if err != nil {
			http.Error(rw, "not found", http.StatusNotFound)
			return
		}
		rw.Header().Set("Content-Type", ctype)
		_, _ = rw.Write(b)
	}
}

func (w *Window) getState(rw http.ResponseWriter, r *http.Request) {
	st, _ := w.snapshot()
	writeJSON(rw, http.StatusOK, st)
}

// events streams the whole state on every change (Server-Sent Events).
func (w *Window) events(rw http.ResponseWriter, r *http.Request) {
	fl, ok := rw.(http.Flusher)
	if !ok {
		http.Error(rw, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	rc := http.NewResponseController(rw)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream lives as long as the page
	_ = rc.SetReadDeadline(time.Time{})
	w.streamOpened()
	defer w.streamClosed()
	rw.Header().Set("Content-Type", "text/event-stream")
	rw.WriteHeader(http.StatusOK)
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		st, changed := w.snapshot()
		b, _ := json.Marshal(st)
		if _, err := fmt.Fprintf(rw, "data: %s\n\n", b); err != nil {
			return
		}
		fl.Flush()
	wait:
		select {
		case <-changed:
		case <-ping.C:
			if _, err := fmt.Fprint(rw, ": ping\n\n"); err != nil {
				return
			}
			fl.Flush()
			goto wait
		case <-r.Context().Done():
			return
		case <-w.stop:
			return
		}
	}
}

func (w *Window) streamOpened() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.streams++
	if w.gone != nil {
		w.gone.Stop()
		w.gone = nil
	}
}

func (w *Window) streamClosed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.streams--
	if w.streams > 0 || w.cfg.Closed == nil {
		return
	}
	w.gone = time.AfterFunc(w.cfg.ClosedGrace, func() {
		w.mu.Lock()
		still := w.streams == 0
		w.mu.Unlock()
		select {
		case <-w.done:
			return
		default:
		}
		if still {
			w.cfg.Closed()
		}
	})
}

// posts are the page's buttons.
func (w *Window) posts() map[string]func(http.ResponseWriter, *http.Request) {
	return map[string]func(http.ResponseWriter, *http.Request){
		"/code":       w.postCode,
		"/consent":    w.postConsent,
		"/ask":        w.postAsk,
		"/file":       w.postFile,
		"/revoke":     w.postRevoke,
		"/end":        w.postEnd,
		"/stop-files": w.postStopFiles,
		"/say":        w.postSay,
		"/rate":       w.postRate,
	}
}

type request struct {
	Code    string   `json:"code"`
	Scopes  []string `json:"scopes"`
	Decline bool     `json:"decline"`
	ID      string   `json:"id"`
	Allow   bool     `json:"allow"`
	Text    string   `json:"text"`
	Rating  int      `json:"rating"`
	Comment string   `json:"comment"`
}

func decode(rw http.ResponseWriter, r *http.Request) (request, bool) {
	var q request
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		status := http.StatusBadRequest
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			status = http.StatusRequestEntityTooLarge
		}
		fail(rw, status, "bad request")
		return q, false
	}
	return q, true
}

// decodeScopes is decode for the answers that name permissions: the
// scopes must be known names (an empty list is allowed: "none of them").
func decodeScopes(rw http.ResponseWriter, r *http.Request) (request, wire.Scopes, bool) {
	q, ok := decode(rw, r)
	if !ok {
		return q, nil, false
	}
	sc, err := wire.NewScopes(q.Scopes)
	if err != nil {
		fail(rw, http.StatusBadRequest, "unknown permission")
		return q, nil, false
	}
	return q, sc, true
}

func (w *Window) postCode(rw http.ResponseWriter, r *http.Request) {
	q, ok := decode(rw, r)
	if !ok {
		return
	}
	code, err := wire.NormalizeCode(q.Code)
	if err != nil {
		fail(rw, http.StatusBadRequest, "That is not a support code: it has 16 letters and digits, like K7QF-3MZP-XW9D-HT2A.")
		return
	}
	sent := false
	w.update(func(st *state) {
		if st.codeRes != nil {
			st.codeRes <- code // buffered, one answer
			st.codeRes = nil
			st.Phase, st.Problem, sent = phaseStarting, "", true
		}
	})
	answered(rw, sent)
}

func (w *Window) postConsent(rw http.ResponseWriter, r *http.Request) {
	q, sc, ok := decodeScopes(rw, r)
	if !ok {
		return
	}
	sent := false
	w.update(func(st *state) {
		if st.consentRes != nil {
			st.consentRes <- consentAns{scopes: sc, decline: q.Decline}
			st.consentRes, sent = nil, true
		}
	})
	answered(rw, sent)
}

func (w *Window) postAsk(rw http.ResponseWriter, r *http.Request) {
	q, sc, ok := decodeScopes(rw, r)
	if !ok {
		return
	}
	sent := false
	w.update(func(st *state) {
		if len(st.asks) > 0 && st.asks[0].ID == q.ID && st.asks[0].res != nil {
			if q.Decline {
				sc = nil
			}
			st.asks[0].res <- sc
			st.asks[0].res, sent = nil, true
		}
	})
	answered(rw, sent)
}

func (w *Window) postFile(rw http.ResponseWriter, r *http.Request) {
	q, ok := decode(rw, r)
	if !ok {
		return
	}
	sent := false
	w.update(func(st *state) {
		if len(st.files) > 0 && st.files[0].ID == q.ID && st.files[0].res != nil {
			st.files[0].res <- q.Allow
			st.files[0].res, sent = nil, true
		}
	})
	answered(rw, sent)
}

func (w *Window) postRevoke(rw http.ResponseWriter, r *http.Request) {
	_, sc, ok := decodeScopes(rw, r)
	if !ok {
		return
	}
	if len(sc) == 0 {
		fail(rw, http.StatusBadRequest, "unknown permission")
		return
	}
	if sc.Has(wire.ScopeScreen) {
		sc, _ = wire.NewScopes(append(sc.Strings(), string(wire.ScopeControl))) // no control without the screen
	}
	a := w.acts()
	if a.Revoke == nil {
		fail(rw, http.StatusConflict, "Not connected right now.")
		return
	}
	if !w.call(rw, r, func(ctx context.Context) error { return a.Revoke(ctx, sc) }) {
		return
	}
	w.update(func(st *state) {
		var keep []string
		for _, g := range st.granted() {
			if !sc.Has(g) {
				keep = append(keep, string(g))
			}
		}
		ks, _ := wire.NewScopes(keep)
		st.setGranted(ks)
		var names []string
		for _, s := range sc {
			names = append(names, s.Describe())
		}
		st.log(w.cfg.Now(), "You took back the permission to "+strings.Join(names, " and ")+".")
	})
	rw.WriteHeader(http.StatusNoContent)
}

func (w *Window) postEnd(rw http.ResponseWriter, r *http.Request) {
	if _, ok := decode(rw, r); !ok {
		return
	}
	if a := w.acts(); a.End != nil {
		a.End()
	}
	rw.WriteHeader(http.StatusNoContent)
}

func (w *Window) postStopFiles(rw http.ResponseWriter, r *http.Request) {
	if _, ok := decode(rw, r); !ok {
		return
	}
	if a := w.acts(); a.StopFiles != nil {
		a.StopFiles()
	}
	rw.WriteHeader(http.StatusNoContent)
}

func (w *Window) postSay(rw http.ResponseWriter, r *http.Request) {
	q, ok := decode(rw, r)
	if !ok {
		return
	}
	text := wire.CleanChatText(q.Text)
	if text == "" {
		fail(rw, http.StatusBadRequest, "Type a message first.")
		return
	}
	a := w.acts()
	if a.Say == nil {
		fail(rw, http.StatusConflict, "Chat is not available with this technician.")
		return
	}
	if !w.call(rw, r, func(ctx context.Context) error { return a.Say(ctx, text) }) {
		return
	}
	at := w.cfg.Now()
	w.update(func(st *state) { st.addChat(chatLine{Sender: "user", Author: "You", Text: text, At: at}) })
	rw.WriteHeader(http.StatusNoContent)
}

func (w *Window) postRate(rw http.ResponseWriter, r *http.Request) {
	q, ok := decode(rw, r)
	if !ok {
		return
	}
	if q.Rating < 1 || q.Rating > 5 {
		fail(rw, http.StatusBadRequest, "Choose 1 to 5.")
		return
	}
	a := w.acts()
	if a.Rate == nil {
		fail(rw, http.StatusConflict, "Rating is not available.")
		return
	}
	comment := wire.CleanChatText(q.Comment)
	if !w.call(rw, r, func(ctx context.Context) error { return a.Rate(ctx, q.Rating, comment) }) {
		return
	}
	w.update(func(st *state) {
		if st.Ended != nil {
			st.Ended.Rated = true
		}
	})
	rw.WriteHeader(http.StatusNoContent)
	if f, ok := rw.(http.Flusher); ok {
		f.Flush()
	}
	w.rateOne.Do(func() { close(w.rated) })
}

func (w *Window) acts() Actions {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.actions
}

// call runs one action with a bounded context; on error it answers 409
// with the error's sentence (cleaned) and returns false.
func (w *Window) call(rw http.ResponseWriter, r *http.Request, f func(context.Context) error) bool {
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	if err := f(ctx); err != nil {
		w.cfg.Log.Debug("window action failed", "path", r.URL.Path, "err", err)
		fail(rw, http.StatusConflict, wire.StripControl(upperFirst(err.Error()), 300)+".")
		return false
	}
	return true
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// answered: 204 when the answer reached the question, 409 when there was
// no question waiting (answered twice, or withdrawn).
func answered(rw http.ResponseWriter, sent bool) {
	if !sent {
		fail(rw, http.StatusConflict, "That question is no longer open.")
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}

func fail(rw http.ResponseWriter, status int, msg string) {
	writeJSON(rw, status, map[string]string{"error": msg})
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}
