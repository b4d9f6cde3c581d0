package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/rights"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// Continuous authorization (see package rights and docs/security.md): every
// shell, screen view, diagnostics run and event stream holds the right that
// opened it, and ends the moment the right is gone.

// hold registers a long-lived channel of the request's principal. act is
// what it needs ("" for signed in only), ticketID the ticket it acts on
// (0 for none). The returned context ends with a rights.Cause when the
// right goes; release must be called when the channel ends.
func (a *API) hold(parent context.Context, r *http.Request, what string, act auth.Action, ticketID int64, sessionID string) (context.Context, func()) {
	p := who(r)
	return a.rights.Hold(parent, rights.Hold{
		User: p.Name, Role: string(p.Role), Version: p.Version, Expires: p.Expires,
		Action: string(act), TicketID: ticketID, What: what, SessionID: sessionID,
	})
}

// checkHold is the one place that decides whether a principal may still
// keep a channel open: the same rules as the door (authenticate, can,
// mayActOnTicket), re-evaluated against the store.
func (a *API) checkHold(ctx context.Context, h rights.Hold) error {
	u, err := a.cfg.Store.UserByName(ctx, h.User)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return rights.ErrDisabled
	case err != nil:
		if ctx.Err() == nil {
			a.cfg.Log.Warn("re-check right: load user", "user", h.User, "err", err)
		}
		return nil // cannot tell: keep it, the next sweep looks again
	case u.Disabled:
		return rights.ErrDisabled
	case u.TokenVersion != h.Version:
		return rights.ErrSignedOut
	case string(u.Role) != h.Role:
		return rights.ErrRoleChanged
	case h.Action != "" && !auth.Can(h.Role, auth.Action(h.Action)):
		return rights.ErrRoleChanged
	}
	if h.TicketID == 0 || !ticketScoped[auth.Action(h.Action)] || u.Role == store.RoleAdmin {
		return nil
	}
	t, err := a.cfg.Store.Ticket(ctx, h.TicketID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return rights.ErrReassigned
	case err != nil:
		if ctx.Err() == nil {
			a.cfg.Log.Warn("re-check right: load ticket", "ticket_id", h.TicketID, "err", err)
		}
		return nil
	case t.AssignedTo != h.User:
		return rights.ErrReassigned
	}
	return nil
}

// rightWithdrawn writes the audit entry of a channel the registry ended.
// The context is not the request's: the entry is written even when the
// channel's own request is gone.
func (a *API) rightWithdrawn(h rights.Hold, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.cfg.Audit.Record(ctx, audit.Event{Actor: h.User, Action: audit.ActionRightWithdrawn, TicketID: h.TicketID, SessionID: h.SessionID,
		Details: map[string]any{"channel": h.What, "cause": cause.Error()}}); err != nil {
		a.cfg.Log.Error("audit right withdrawn", "err", err)
	}
}

// userChanged ends what the user may no longer hold, now.
func (a *API) userChanged(r *http.Request, name string) {
	a.rights.UserChanged(context.WithoutCancel(r.Context()), name)
}

// ticketChanged ends what may no longer be held on the ticket, now.
func (a *API) ticketChanged(r *http.Request, id int64) {
	a.rights.TicketChanged(context.WithoutCancel(r.Context()), id)
}

// setSessionCookie issues a token for u (at its current token version),
// sets the cookie and returns the token and its expiry.
func (a *API) setSessionCookie(w http.ResponseWriter, u *store.User) (string, time.Time, error) {
	tok, exp, err := a.cfg.Tokens.Issue(u.Name, string(u.Role), u.TokenVersion)
	if err != nil {
		return "", time.Time{}, err
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: tok, Path: "/", Expires: exp, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	return tok, exp, nil
}

// reissue gives the acting user a fresh token after a change of their own
// that ended all their earlier ones (MFA on or off), so this browser stays
// signed in while every other one is signed out. It returns the new token
// for bearer clients (nil map when it could not, which is logged).
func (a *API) reissue(w http.ResponseWriter, r *http.Request, name string) map[string]any {
	u, err := a.cfg.Store.UserByName(r.Context(), name)
	if err != nil {
		a.cfg.Log.Error("reissue token: load user", "user", name, "err", err)
		return nil
	}
	tok, exp, err := a.setSessionCookie(w, u)
	if err != nil {
		a.cfg.Log.Error("reissue token", "user", name, "err", err)
		return nil
	}
	return map[string]any{"token": tok, "expires_at": exp}
}

// afterReissue ends what the user's earlier tokens hold open, after the
// answer that carries their fresh token has been sent: this browser's own
// event stream (opened with the old cookie) then ends when the new cookie
// is already there, so the console reconnects instead of signing out.
func (a *API) afterReissue(w http.ResponseWriter, r *http.Request, name string) {
	http.NewResponseController(w).Flush()
	a.userChanged(r, name)
}

// signOutUser ends every sign-in of another user: POST
// /api/v1/users/{name}/sign-out (admin). The user's open shells, screen
// views and event streams end at once.
func (a *API) signOutUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !UserNameRE.MatchString(name) {
		writeError(w, http.StatusNotFound, "no such user")
		return
	}
	if _, err := a.cfg.Store.BumpTokenVersion(r.Context(), name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, "no such user")
			return
		}
		a.internal(w, r, "sign out user", err)
		return
	}
	a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionSignOutAll, RemoteAddr: r.RemoteAddr, Details: map[string]any{"user": name}})
	a.userChanged(r, name)
	if name == who(r).Name {
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	}
	w.WriteHeader(http.StatusNoContent)
}
