package api

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

func (a *API) listSessions(w http.ResponseWriter, r *http.Request) {
	t := a.ticketOr404(w, r)
	if t == nil {
		return
	}
	ss, err := a.cfg.Store.ListSessions(r.Context(), t.ID)
	if err != nil {
		a.internal(w, r, "list sessions", err)
		return
	}
	if ss == nil {
		ss = []store.Session{}
	}
	writeJSON(w, http.StatusOK, toSessionsJSON(ss))
}

// sessionOr404 loads the session named in the path or answers.
func (a *API) sessionOr404(w http.ResponseWriter, r *http.Request) *store.Session {
	id := r.PathValue("id")
	if !validID(id) {
		writeError(w, http.StatusNotFound, "no such session")
		return nil
	}
	s, err := a.cfg.Store.Session(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such session")
		return nil
	}
	if err != nil {
		a.internal(w, r, "load session", err)
		return nil
	}
	return s
}

func (a *API) getSession(w http.ResponseWriter, r *http.Request) {
	if s := a.sessionOr404(w, r); s != nil {
		writeJSON(w, http.StatusOK, toSessionJSON(s))
	}
}

func (a *API) endSession(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	l, err := a.cfg.Broker.Live(s.ID)
	if err != nil {
		writeErrorCode(w, http.StatusConflict, codeSessionNotConnected, "the session is not connected")
		return
	}
	l.End(cause.With(cause.TechnicianEnded, who(r).Name))
	select {
	case <-l.Done():
	case <-time.After(5 * time.Second):
	}
	w.WriteHeader(http.StatusNoContent)
}

// liveFor returns the connected session for a technician action, or answers.
func (a *API) liveFor(w http.ResponseWriter, r *http.Request, s *store.Session) *broker.Live {
	l, err := a.cfg.Broker.Live(s.ID)
	if err != nil {
		writeErrorCode(w, http.StatusConflict, codeSessionNotConnected, "the session is not connected ("+s.State+")")
		return nil
	}
	a.touch(s.ID)
	return l
}

// refused answers 403 when the client refused a channel and records it.
func (a *API) refused(w http.ResponseWriter, r *http.Request, s *store.Session, what string, err error) bool {
	var re *broker.RefusedError
	if !errors.As(err, &re) {
		return false
	}
	a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionChannelRefused, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"channel": what, "reason": re.Reason}})
	code := codeClientRefused
	if re.NotGranted {
		code = codeScopeNotGranted
	}
	writeErrorCode(w, http.StatusForbidden, code, re.Error())
	return true
}

// joinInfo is the public, rate-limited look-up behind the join page.
func (a *API) joinInfo(w http.ResponseWriter, r *http.Request) {
	if ok, retry := a.cfg.JoinLimiter.Allow("join:" + remoteIP(r)); !ok {
		w.Header().Set("Retry-After", itoa(int(retry.Seconds())+1))
		writeError(w, http.StatusTooManyRequests, "too many look-ups; try again later")
		return
	}
	code, err := wire.NormalizeCode(r.PathValue("code"))
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"state": "unknown"})
		return
	}
	inv, err := a.cfg.Store.Invite(r.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusOK, map[string]any{"state": "unknown"})
		return
	}
	if err != nil {
		a.internal(w, r, "look up invite", err)
		return
	}
	switch {
	case inv.UsedAt != nil:
		writeJSON(w, http.StatusOK, map[string]any{"state": "used"})
		return
	case !a.now().Before(inv.ExpiresAt):
		writeJSON(w, http.StatusOK, map[string]any{"state": "expired", "expires_at": inv.ExpiresAt})
		return
	}
	tech := inv.CreatedBy
	if u, err := a.cfg.Store.UserByName(r.Context(), inv.CreatedBy); err == nil && u.DisplayName != "" {
		tech = u.DisplayName
	}
	t, err := a.cfg.Store.Ticket(r.Context(), inv.TicketID)
	if err != nil {
		a.internal(w, r, "load ticket", err)
		return
	}
	j := a.joinFor(inv.Code)
	writeJSON(w, http.StatusOK, map[string]any{
		"state": "valid", "technician": tech, "ticket": map[string]any{"id": t.ID, "title": t.Title},
		"scopes": inv.Scopes, "expires_at": inv.ExpiresAt, "join": j.String(), "url": j.URL(),
	})
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "443")
}
