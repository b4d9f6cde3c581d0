package api

// Asks (live requests for more scopes) and the user's rating of a session
// (issue 13).

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// askJSON is a live request for more scopes (issue 13).
type askJSON struct {
	ID         string     `json:"id"`
	SessionID  string     `json:"session_id"`
	Scopes     []string   `json:"scopes"`
	Reason     string     `json:"reason"`
	State      string     `json:"state"`
	Technician string     `json:"technician"`
	CreatedAt  time.Time  `json:"created_at"`
	Allowed    []string   `json:"allowed"`
	Via        string     `json:"via"`
	AnsweredAt *time.Time `json:"answered_at"`
}

func toAskJSON(x *store.Ask) askJSON {
	allowed := x.Allowed
	if allowed == nil {
		allowed = []string{}
	}
	return askJSON{ID: x.ID, SessionID: x.SessionID, Scopes: x.Scopes, Reason: x.Reason, State: x.State, Technician: x.Technician,
		CreatedAt: x.CreatedAt, Allowed: allowed, Via: x.Via, AnsweredAt: x.AnsweredAt}
}

func (a *API) listAsks(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	asks, err := a.cfg.Store.ListAsks(r.Context(), s.ID)
	if err != nil {
		a.internal(w, r, "list asks", err)
		return
	}
	out := make([]askJSON, len(asks))
	for i := range asks {
		out[i] = toAskJSON(&asks[i])
	}
	writeJSON(w, http.StatusOK, out)
}

// postAsk asks the user, in the running session, for scopes not granted.
func (a *API) postAsk(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	var body struct {
		Scopes []string `json:"scopes"`
		Reason string   `json:"reason"`
	}
	if err := a.decodeJSON(w, r, &body); err != nil {
		failInput(w, err)
		return
	}
	sc, err := wire.NewScopes(body.Scopes)
	if err != nil || len(sc) == 0 {
		writeError(w, http.StatusBadRequest, "scopes must name at least one of diagnostics, shell, screen, control, files")
		return
	}
	if len([]rune(body.Reason)) > wire.MaxAskReason {
		writeError(w, http.StatusBadRequest, "reason is too long")
		return
	}
	l := a.liveFor(w, r, s)
	if l == nil {
		return
	}
	ask, err := l.Ask(r.Context(), who(r).Name, sc, body.Reason)
	switch {
	case err == nil:
		writeJSON(w, http.StatusCreated, toAskJSON(&ask))
	case errors.Is(err, broker.ErrNothingToAsk):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, broker.ErrAskRefused):
		writeErrorCode(w, http.StatusConflict, codeAskRefused, err.Error())
	case errors.Is(err, broker.ErrTooManyAsks):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, broker.ErrNotLive):
		writeErrorCode(w, http.StatusConflict, codeSessionNotConnected, "the session is not connected")
	default:
		a.internal(w, r, "ask", err)
	}
}

// FeedbackWindow is how long after its end a session can still be rated.
const FeedbackWindow = 24 * time.Hour

// feedback stores the user's rating of a session (no sign-in: the client
// proves itself with the Welcome's feedback token, compared in constant
// time with its stored hash). An unknown session and a wrong token get the
// same answer, so the endpoint tells nothing about which sessions exist.
func (a *API) feedback(w http.ResponseWriter, r *http.Request) {
	if ok, retry := a.cfg.FeedbackLimiter.Allow("feedback:" + remoteIP(r)); !ok {
		w.Header().Set("Retry-After", itoa(int(retry.Seconds())+1))
		writeError(w, http.StatusTooManyRequests, "too many ratings from this address; try again later")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "request body must be application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wire.MaxChatPayload))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "request body is too large")
		return
	}
	f, err := wire.ParseFeedback(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	const denied = "unknown session or wrong feedback token"
	s, err := a.cfg.Store.Session(r.Context(), f.SessionID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		a.internal(w, r, "load session", err)
		return
	}
	hash := ""
	if err == nil {
		if hash, err = a.cfg.Store.SessionFeedbackHash(r.Context(), s.ID); err != nil {
			a.internal(w, r, "load feedback hash", err)
			return
		}
	}
	sum := sha256.Sum256([]byte(f.Token))
	presented := hex.EncodeToString(sum[:])
	if s == nil || hash == "" || subtle.ConstantTimeCompare([]byte(hash), []byte(presented)) != 1 {
		writeError(w, http.StatusUnauthorized, denied)
		return
	}
	if s.EndedAt != nil && s.State == store.SessionEnded && !a.now().Before(s.EndedAt.Add(FeedbackWindow)) {
		writeErrorCode(w, http.StatusConflict, codeConflict, "this session ended more than 24 hours ago and can no longer be rated")
		return
	}
	if err := a.cfg.Store.RateSession(r.Context(), s.ID, f.Rating, f.Comment, a.now()); err != nil {
		if errors.Is(err, store.ErrAlreadyRated) {
			writeErrorCode(w, http.StatusConflict, codeAlreadyRated, "this session was rated already")
			return
		}
		a.internal(w, r, "rate session", err)
		return
	}
	a.record(r, audit.Event{Actor: "client", Action: broker.ActionRating, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"rating": f.Rating, "comment_length": len([]rune(f.Comment))}})
	if s2, err := a.cfg.Store.Session(r.Context(), s.ID); err == nil {
		a.hub.Publish("session", *s2)
	}
	w.WriteHeader(http.StatusNoContent)
}
