package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// ActionInviteWithdraw is audited when a technician withdraws an unused invite.
const ActionInviteWithdraw = "invite.withdraw"

// The states an `invite` event reports.
const (
	InviteUsed      = "used"      // a client joined with it
	InviteWithdrawn = "withdrawn" // a technician withdrew it
)

// InviteEvent is the payload of the `invite` event: which invite of which
// ticket changed, and how. It carries no join string or URL: the invite
// is no longer usable when the event is sent.
type InviteEvent struct {
	Code      string     `json:"code"`
	TicketID  int64      `json:"ticket_id"`
	State     string     `json:"state"`
	UsedAt    *time.Time `json:"used_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	SessionID string     `json:"session_id,omitempty"`
}

// InviteEventOf builds the event for inv entering state.
func InviteEventOf(inv store.Invite, state string) InviteEvent {
	return InviteEvent{Code: inv.Code, TicketID: inv.TicketID, State: state, UsedAt: inv.UsedAt, ExpiresAt: inv.ExpiresAt, SessionID: inv.SessionID}
}

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
	inv.ExpiresAt = a.now()
	a.hub.Publish("invite", InviteEventOf(*inv, InviteWithdrawn))
	w.WriteHeader(http.StatusNoContent)
}
