package api

import (
	"errors"
	"net/http"
	"time"

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
		writeError(w, http.StatusBadRequest, "scopes must name at least one of diagnostics, shell, screen, control")
		return
	}
	if len([]rune(body.Reason)) > wire.MaxAskReason {
		writeError(w, http.StatusBadRequest, "reason is too long")
		return
	}
	l, err := a.cfg.Broker.Live(s.ID)
	if err != nil {
		writeErrorCode(w, http.StatusConflict, codeNotConnected, "the session is not connected ("+s.State+")")
		return
	}
	a.touch(s.ID)
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
		writeErrorCode(w, http.StatusConflict, codeNotConnected, "the session is not connected")
	default:
		a.internal(w, r, "ask", err)
	}
}
