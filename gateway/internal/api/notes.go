package api

// Ticket notes and the ticket's timeline (issue 14): what technicians wrote
// on a ticket (notes, worklog, the escalation's note, the resolution) and,
// merged with it, what happened to the ticket, newest first, for the next
// technician to read before anything else.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// NoteStore is what ticket notes need (notes.go, escalate.go, tickets.go).
type NoteStore interface {
	AddNote(ctx context.Context, n *store.Note) error
	ListNotes(ctx context.Context, ticketID int64) ([]store.Note, error)
}

// Note limits.
const (
	MaxNoteBody    = 8000        // characters, after trimming
	MaxNoteMinutes = 7 * 24 * 60 // one worklog entry: at most a week
)

type noteJSON struct {
	ID        string    `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	Author    string    `json:"author"`
	Kind      string    `json:"kind"`
	Body      string    `json:"body"`
	Minutes   *int      `json:"minutes"`
	Recipient string    `json:"recipient,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func toNoteJSON(n *store.Note) noteJSON {
	return noteJSON{ID: n.ID, TicketID: n.TicketID, Author: n.Author, Kind: n.Kind, Body: n.Body, Minutes: n.Minutes,
		Recipient: n.Recipient, CreatedAt: n.CreatedAt}
}

// noteBody trims a note's text and checks its length; the error is for the user.
func noteBody(s, what string) (string, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", errors.New(what + " is required")
	case n > MaxNoteBody:
		return "", errors.New(what + " is longer than 8000 characters")
	}
	return s, nil
}

// addNoteRecorded audits a note (ticket.note) and, only when the entry is
// written, stores it and tells every open ticket page. The body itself is
// not in the audit log: its digest and length are.
func (a *API) addNoteRecorded(r *http.Request, n *store.Note) error {
	if n.ID == "" {
		n.ID = store.NewID("n_")
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = a.now()
	}
	sum := sha256.Sum256([]byte(n.Body))
	details := map[string]any{"kind": n.Kind, "note_id": n.ID, "sha256": hex.EncodeToString(sum[:]), "length": utf8.RuneCountInString(n.Body)}
	if n.Minutes != nil {
		details["minutes"] = *n.Minutes
	}
	if n.Recipient != "" {
		details["to"] = n.Recipient
	}
	if err := a.cfg.Audit.Record(context.WithoutCancel(r.Context()), audit.Event{Actor: n.Author, Action: audit.ActionTicketNote,
		TicketID: n.TicketID, RemoteAddr: r.RemoteAddr, Details: details}); err != nil {
		return err
	}
	if err := a.cfg.Store.AddNote(r.Context(), n); err != nil {
		return err
	}
	a.hub.Publish("note", toNoteJSON(n))
	return nil
}

// addNote: POST /api/v1/tickets/{id}/notes {kind, body, minutes?}. Any
// technician or admin may write on any ticket (a colleague's note is how
// help reaches the assignee); kind is note or worklog here, escalation and
// resolution notes come with the escalation and the resolving.
func (a *API) addNote(w http.ResponseWriter, r *http.Request) {
	t := a.ticketOr404(w, r)
	if t == nil {
		return
	}
	var req struct {
		Kind    string `json:"kind"`
		Body    string `json:"body"`
		Minutes *int   `json:"minutes"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	if req.Kind == "" {
		req.Kind = store.NoteNote
	}
	if req.Kind != store.NoteNote && req.Kind != store.NoteWorklog {
		writeError(w, http.StatusBadRequest, "kind must be note or worklog (escalate or resolve the ticket for the others)")
		return
	}
	body, err := noteBody(req.Body, "body")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Minutes != nil && (req.Kind != store.NoteWorklog || *req.Minutes < 1 || *req.Minutes > MaxNoteMinutes) {
		writeError(w, http.StatusBadRequest, "minutes is for worklog entries only, from 1 to 10080")
		return
	}
	n := &store.Note{TicketID: t.ID, Author: who(r).Name, Kind: req.Kind, Body: body, Minutes: req.Minutes}
	if err := a.addNoteRecorded(r, n); err != nil {
		a.internal(w, r, "add note", err)
		return
	}
	writeJSON(w, http.StatusCreated, toNoteJSON(n))
}
