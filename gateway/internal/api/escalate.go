package api

import (
	"net/http"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// escalateTicket hands a ticket, and its live sessions, to another
// technician: POST /api/v1/tickets/{id}/escalate {to, note}. The current
// assignee or an admin may do it (can + mayActOnTicket checked the
// assignee; an unassigned ticket is taken, not escalated).
func (a *API) escalateTicket(w http.ResponseWriter, r *http.Request) {
	t := a.ticketOr404(w, r)
	if t == nil {
		return
	}
	var req struct {
		To   string `json:"to"`
		Note string `json:"note"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	p := who(r)
	to := strings.ToLower(strings.TrimSpace(req.To))
	switch {
	case p.Role != store.RoleAdmin && t.AssignedTo != p.Name:
		writeErrorCode(w, http.StatusForbidden, codeNotAssigned, "only the ticket's assignee or an admin can escalate it; take it first")
		return
	case len(req.Note) > 2000:
		writeError(w, http.StatusBadRequest, "note is longer than 2000 characters")
		return
	case to == "" || !UserNameRE.MatchString(to):
		writeError(w, http.StatusBadRequest, "to must name an active technician or admin")
		return
	case to == t.AssignedTo:
		writeError(w, http.StatusConflict, "the ticket is already assigned to "+to)
		return
	}
	u, err := a.cfg.Store.UserByName(r.Context(), to)
	if err != nil || u.Disabled || (u.Role != store.RoleTechnician && u.Role != store.RoleAdmin) {
		writeError(w, http.StatusBadRequest, "to must name an active technician or admin")
		return
	}
	// The note goes on the ticket's timeline, for the next technician.
	note := &store.Note{TicketID: t.ID, Author: p.Name, Kind: store.NoteEscalation, Body: strings.TrimSpace(req.Note), Recipient: to}
	if err := a.addNoteRecorded(r, note); err != nil {
		a.internal(w, r, "add escalation note", err)
		return
	}
	from := t.AssignedTo
	t.AssignedTo = to
	if err := a.cfg.Store.UpdateTicket(r.Context(), t); err != nil {
		a.internal(w, r, "update ticket", err)
		return
	}
	handed, err := a.handOver(r, t, from, to)
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionTicketEscalate, TicketID: t.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"from": from, "to": to, "note": req.Note, "note_id": note.ID, "sessions": handed}})
	if err != nil {
		a.ticketChanged(r, t.ID)
		a.internal(w, r, "hand over sessions", err)
		return
	}
	a.hub.Publish("ticket", t)
	a.ticketChanged(r, t.ID)
	writeJSON(w, http.StatusOK, toTicketJSON(t))
}

// handOver gives the ticket's live sessions to technician to (after the
// ticket's assignment changed from from to to): each session's row, an
// audit entry per session, an event. Channels the previous assignee holds
// open end when the caller reports the change (ticketChanged).
func (a *API) handOver(r *http.Request, t *store.Ticket, from, to string) ([]string, error) {
	ss, err := a.cfg.Store.ListSessions(r.Context(), t.ID)
	if err != nil {
		return nil, err
	}
	handed := []string{}
	for i := range ss {
		s := &ss[i]
		if s.State == store.SessionEnded || s.Technician == to {
			continue
		}
		if err := a.sec().SetSessionTechnician(r.Context(), s.ID, to); err != nil {
			return handed, err
		}
		a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionSessionHandOver, TicketID: t.ID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
			Details: map[string]any{"from": s.Technician, "to": to, "assigned_from": from}})
		s.Technician = to
		handed = append(handed, s.ID)
		a.hub.Publish("session", s)
	}
	return handed, nil
}
