package api

import (
	"errors"
	"net/http"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// liveSessionJSON is a session on the "Live now" board: the session as
// GET /tickets/{id}/sessions answers it, plus the ticket it belongs to.
type liveSessionJSON struct {
	sessionJSON
	Ticket liveTicketJSON `json:"ticket"`
}

// liveTicketJSON is what the board shows of a session's ticket.
type liveTicketJSON struct {
	ID         int64  `json:"id"`
	Title      string `json:"title"`
	Status     string `json:"status"`
	AssignedTo string `json:"assigned_to"`
}

// liveStates maps the ?state= of GET /sessions to the session states it lists.
var liveStates = map[string]map[string]bool{
	"live":                 {store.SessionWaiting: true, store.SessionConnected: true},
	store.SessionWaiting:   {store.SessionWaiting: true},
	store.SessionConnected: {store.SessionConnected: true},
}

// listLiveSessions answers GET /sessions?state=live|waiting|connected: the
// open sessions of every ticket, oldest first, each with its ticket. It
// needs the right that reads a ticket's sessions (ActSessionRead, checked
// by the route); at a help desk that is every ticket (docs/security.md).
func (a *API) listLiveSessions(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "live"
	}
	want, ok := liveStates[state]
	if !ok {
		writeError(w, http.StatusBadRequest, "state must be live, waiting or connected")
		return
	}
	ss, err := a.cfg.Store.OpenSessions(r.Context())
	if err != nil {
		a.internal(w, r, "list open sessions", err)
		return
	}
	tickets := map[int64]*store.Ticket{}
	out := []liveSessionJSON{}
	for i := range ss {
		s := &ss[i]
		if !want[s.State] {
			continue
		}
		t, seen := tickets[s.TicketID]
		if !seen {
			t, err = a.cfg.Store.Ticket(r.Context(), s.TicketID)
			if errors.Is(err, store.ErrNotFound) {
				t = nil // a session without its ticket is not shown
			} else if err != nil {
				a.internal(w, r, "load ticket", err)
				return
			}
			tickets[s.TicketID] = t
		}
		if t == nil {
			continue
		}
		out = append(out, liveSessionJSON{sessionJSON: toSessionJSON(s),
			Ticket: liveTicketJSON{ID: t.ID, Title: t.Title, Status: t.Status, AssignedTo: t.AssignedTo}})
	}
	writeJSON(w, http.StatusOK, out)
}
