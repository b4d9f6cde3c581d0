package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

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
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
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
