package api

import (
	"errors"
	"net/http"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// ActionInviteWithdraw is audited when a technician withdraws an unused invite.
const ActionInviteWithdraw = "invite.withdraw"

// withdrawInvite expires an unused invite at once (sent to the wrong
// person, or no longer needed). The join page then says it has expired.
func (a *API) withdrawInvite(w http.ResponseWriter, r *http.Request) {
	t := a.ticketOr404(w, r)
	if t == nil {
		return
	}
	code, err := wire.NormalizeCode(r.PathValue("code"))
	if err != nil {
		writeError(w, http.StatusNotFound, "no such invite")
		return
	}
	inv, err := a.cfg.Store.Invite(r.Context(), code)
	if errors.Is(err, store.ErrNotFound) || (err == nil && inv.TicketID != t.ID) {
		writeError(w, http.StatusNotFound, "no such invite")
		return
	}
	if err != nil {
		a.internal(w, r, "load invite", err)
		return
	}
	if err := a.cfg.Store.ExpireInvite(r.Context(), code, a.now()); err != nil {
		if errors.Is(err, store.ErrInviteUsed) {
			writeError(w, http.StatusConflict, "the invite was already used; end the session instead")
			return
		}
		a.internal(w, r, "expire invite", err)
		return
	}
	a.record(r, audit.Event{Actor: who(r).Name, Action: ActionInviteWithdraw, TicketID: t.ID, RemoteAddr: r.RemoteAddr})
	w.WriteHeader(http.StatusNoContent)
}
