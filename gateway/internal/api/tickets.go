package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

func (a *API) createTicket(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Requester   string `json:"requester"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	title := strings.TrimSpace(req.Title)
	switch {
	case title == "":
		writeError(w, http.StatusBadRequest, "title is required")
		return
	case len(title) > 200:
		writeError(w, http.StatusBadRequest, "title is longer than 200 characters")
		return
	case len(req.Description) > 20000:
		writeError(w, http.StatusBadRequest, "description is longer than 20000 characters")
		return
	case len(req.Requester) > 200:
		writeError(w, http.StatusBadRequest, "requester is longer than 200 characters")
		return
	}
	t := &store.Ticket{Title: title, Description: req.Description, Requester: strings.TrimSpace(req.Requester),
		Status: store.StatusOpen, CreatedBy: who(r).Name, AssignedTo: who(r).Name}
	if err := a.cfg.Store.CreateTicket(r.Context(), t); err != nil {
		a.internal(w, r, "create ticket", err)
		return
	}
	a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionTicketCreate, TicketID: t.ID, RemoteAddr: r.RemoteAddr, Details: map[string]any{"title": t.Title}})
	a.hub.Publish("ticket", t)
	writeJSON(w, http.StatusCreated, toTicketJSON(t))
}

func (a *API) listTickets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.TicketFilter{Status: q.Get("status"), Query: q.Get("q"), AssignedTo: q.Get("assigned_to"), Limit: 500}
	if f.Status != "" && !store.ValidStatus(f.Status) {
		writeError(w, http.StatusBadRequest, "status must be one of open, in_progress, resolved, closed")
		return
	}
	if len(f.Query) > 200 {
		writeError(w, http.StatusBadRequest, "q is longer than 200 characters")
		return
	}
	ts, err := a.cfg.Store.ListTickets(r.Context(), f)
	if err != nil {
		a.internal(w, r, "list tickets", err)
		return
	}
	if ts == nil {
		ts = []store.Ticket{}
	}
	writeJSON(w, http.StatusOK, toTicketsJSON(ts))
}

// ticketOr404 loads the ticket named in the path or answers.
func (a *API) ticketOr404(w http.ResponseWriter, r *http.Request) *store.Ticket {
	id, err := pathInt(r, "id")
	if err != nil {
		failInput(w, err)
		return nil
	}
	t, err := a.cfg.Store.Ticket(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such ticket")
		return nil
	}
	if err != nil {
		a.internal(w, r, "load ticket", err)
		return nil
	}
	return t
}

type ticketDetail struct {
	ticketJSON
	Sessions   []sessionJSON   `json:"sessions"`
	Recordings []recordingJSON `json:"recordings"`
	Reports    []reportJSON    `json:"reports"`
	Invites    []inviteJSON    `json:"invites"`
}

func (a *API) getTicket(w http.ResponseWriter, r *http.Request) {
	t := a.ticketOr404(w, r)
	if t == nil {
		return
	}
	ctx := r.Context()
	d := ticketDetail{ticketJSON: toTicketJSON(t), Sessions: []sessionJSON{}, Recordings: []recordingJSON{}, Reports: []reportJSON{}, Invites: []inviteJSON{}}
	ss, err := a.cfg.Store.ListSessions(ctx, t.ID)
	if err != nil {
		a.internal(w, r, "list sessions", err)
		return
	}
	for i := range ss {
		d.Sessions = append(d.Sessions, toSessionJSON(&ss[i]))
	}
	recs, err := a.cfg.Store.ListRecordings(ctx, t.ID)
	if err != nil {
		a.internal(w, r, "list recordings", err)
		return
	}
	for i := range recs {
		d.Recordings = append(d.Recordings, toRecordingJSON(&recs[i]))
	}
	reps, err := a.cfg.Store.ListReports(ctx, t.ID)
	if err != nil {
		a.internal(w, r, "list reports", err)
		return
	}
	for i := range reps {
		d.Reports = append(d.Reports, toReportJSON(&reps[i]))
	}
	// Auditors see that invites existed, not their codes.
	if who(r).Role != store.RoleAuditor {
		invs, err := a.cfg.Store.ListInvites(ctx, t.ID)
		if err != nil {
			a.internal(w, r, "list invites", err)
			return
		}
		for i := range invs {
			d.Invites = append(d.Invites, a.toInviteJSON(&invs[i]))
		}
	}
	writeJSON(w, http.StatusOK, d)
}

func (a *API) updateTicket(w http.ResponseWriter, r *http.Request) {
	t := a.ticketOr404(w, r)
	if t == nil {
		return
	}
	var req struct {
		Status     *string `json:"status"`
		AssignedTo *string `json:"assigned_to"`
		Title      *string `json:"title"`
		Resolution *string `json:"resolution"` // required when the status becomes resolved
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	// A technician may take an unassigned ticket (mayActOnTicket let them
	// through for that only); reassigning to someone else is for admins,
	// technicians hand over with escalate.
	if p := who(r); p.Role != store.RoleAdmin {
		switch {
		case req.AssignedTo != nil && strings.TrimSpace(*req.AssignedTo) != p.Name:
			writeError(w, http.StatusForbidden, "only an admin can reassign a ticket; escalate it to hand it over")
			return
		case t.AssignedTo == "" && req.AssignedTo == nil:
			nobody := ""
			writeJSON(w, http.StatusForbidden, errorJSON{Error: "this ticket is not assigned to anyone; take it first (assigned_to: your name)", Code: codeNotAssigned, AssignedTo: &nobody})
			return
		}
	}
	// Resolving needs a resolution note (stored as a kind=resolution note).
	var resolution *store.Note
	if req.Status != nil && *req.Status == store.StatusResolved && t.Status != store.StatusResolved {
		text := ""
		if req.Resolution != nil {
			text = *req.Resolution
		}
		body, err := noteBody(text, "a resolution note")
		if err != nil {
			writeErrorCode(w, http.StatusBadRequest, codeResolutionRequired, err.Error()+": say how the ticket was resolved")
			return
		}
		resolution = &store.Note{TicketID: t.ID, Author: who(r).Name, Kind: store.NoteResolution, Body: body}
	} else if req.Resolution != nil {
		writeError(w, http.StatusBadRequest, "resolution goes with status resolved")
		return
	}
	changes := map[string]any{}
	prevAssignee := t.AssignedTo
	if req.Status != nil {
		if !store.ValidStatus(*req.Status) {
			writeError(w, http.StatusBadRequest, "status must be one of open, in_progress, resolved, closed")
			return
		}
		changes["status"] = [2]string{t.Status, *req.Status}
		t.Status = *req.Status
	}
	if req.AssignedTo != nil {
		name := strings.TrimSpace(*req.AssignedTo)
		if name != "" {
			u, err := a.cfg.Store.UserByName(r.Context(), name)
			if err != nil || u.Disabled || (u.Role != store.RoleTechnician && u.Role != store.RoleAdmin) {
				writeError(w, http.StatusBadRequest, "assigned_to must name an active technician or admin")
				return
			}
		}
		changes["assigned_to"] = [2]string{t.AssignedTo, name}
		t.AssignedTo = name
	}
	if req.Title != nil {
		title := strings.TrimSpace(*req.Title)
		if title == "" || len(title) > 200 {
			writeError(w, http.StatusBadRequest, "title must be 1 to 200 characters")
			return
		}
		t.Title = title
		changes["title"] = title
	}
	from := prevAssignee
	if resolution != nil {
		if err := a.addNoteRecorded(r, resolution); err != nil {
			a.internal(w, r, "add resolution note", err)
			return
		}
		changes["resolution_note"] = resolution.ID
	}
	if err := a.cfg.Store.UpdateTicket(r.Context(), t); err != nil {
		a.internal(w, r, "update ticket", err)
		return
	}
	a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionTicketUpdate, TicketID: t.ID, RemoteAddr: r.RemoteAddr, Details: changes})
	if t.AssignedTo != from && t.AssignedTo != "" {
		// Taking or reassigning a ticket hands its live sessions over,
		// audited, and ends what the previous assignee held open.
		if _, err := a.handOver(r, t, from, t.AssignedTo); err != nil {
			a.internal(w, r, "hand over sessions", err)
			return
		}
	}
	a.hub.Publish("ticket", t)
	a.ticketChanged(r, t.ID)
	writeJSON(w, http.StatusOK, toTicketJSON(t))
}

type inviteJSON struct {
	Code      string     `json:"code"`
	URL       string     `json:"url"`
	Join      string     `json:"join"`
	Scopes    []string   `json:"scopes"`
	TicketID  int64      `json:"ticket_id"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
	SessionID string     `json:"session_id"`
}

func (a *API) joinFor(code string) wire.Join {
	return wire.Join{Addr: hostPort(a.cfg.PublicURL), Code: code, Fingerprint: a.cfg.Fingerprint}
}

func (a *API) toInviteJSON(inv *store.Invite) inviteJSON {
	j := a.joinFor(inv.Code)
	return inviteJSON{Code: inv.Code, URL: j.URL(), Join: j.String(), Scopes: inv.Scopes, TicketID: inv.TicketID, CreatedBy: inv.CreatedBy,
		CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt, UsedAt: inv.UsedAt, SessionID: inv.SessionID}
}

// Invite lifetimes.
const (
	DefaultInviteTTL = 15 * time.Minute
	MaxInviteTTL     = 24 * time.Hour
	MinInviteTTL     = time.Minute
)

func (a *API) createInvite(w http.ResponseWriter, r *http.Request) {
	t := a.ticketOr404(w, r)
	if t == nil {
		return
	}
	var req struct {
		Scopes     []string `json:"scopes"`
		ExpiresInS int64    `json:"expires_in_s"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	scopes, err := wire.NewScopes(req.Scopes)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(scopes) == 0 {
		writeError(w, http.StatusBadRequest, "ask for at least one scope: diagnostics, shell, screen or control")
		return
	}
	if scopes.Has(wire.ScopeControl) && !scopes.Has(wire.ScopeScreen) {
		writeError(w, http.StatusBadRequest, "control needs screen: ask for both")
		return
	}
	ttl := DefaultInviteTTL
	if req.ExpiresInS != 0 {
		ttl = time.Duration(req.ExpiresInS) * time.Second
		if ttl < MinInviteTTL || ttl > MaxInviteTTL {
			writeError(w, http.StatusBadRequest, "expires_in_s must be between 60 and 86400")
			return
		}
	}
	if t.Status == store.StatusClosed {
		writeError(w, http.StatusConflict, "the ticket is closed; reopen it to invite")
		return
	}
	now := a.now()
	inv := &store.Invite{Code: wire.NewCode(), TicketID: t.ID, CreatedBy: who(r).Name, Scopes: scopes.Strings(), CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := a.cfg.Store.CreateInvite(r.Context(), inv); err != nil {
		a.internal(w, r, "create invite", err)
		return
	}
	// The code itself is a secret until used: the audit names its scopes and expiry only.
	a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionInviteCreate, TicketID: t.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"scopes": inv.Scopes, "expires_at": inv.ExpiresAt}})
	writeJSON(w, http.StatusCreated, a.toInviteJSON(inv))
}
