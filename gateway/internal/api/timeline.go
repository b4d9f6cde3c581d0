package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// Timeline item kinds: the note kinds (note, worklog, escalation,
// resolution) and what the ticket's rows and audit entries say.
const (
	itemCreated      = "created"       // the ticket was opened
	itemStatus       = "status"        // its status changed
	itemAssign       = "assign"        // it was taken or reassigned
	itemSessionStart = "session_start" // a user's client joined
	itemSessionEnd   = "session_end"   // a session ended (text: the reason)
	itemReport       = "report"        // a diagnostics report was stored
	itemRecording    = "recording"     // a terminal or screen recording started
	itemRating       = "rating"        // the user rated the help
	itemFile         = "file"          // a file was collected into the ticket or sent to the user
)

// Timeline paging.
const (
	DefaultTimelineLimit = 50
	MaxTimelineLimit     = 200
)

type timelineLinks struct {
	Ticket    int64  `json:"ticket,omitempty"`
	Session   string `json:"session,omitempty"`
	Report    string `json:"report,omitempty"`
	Recording string `json:"recording,omitempty"`
	File      string `json:"file,omitempty"` // a stored file's id (GET /api/v1/files/{id})
}

type timelineItem struct {
	At      time.Time     `json:"at"`
	Kind    string        `json:"kind"`
	Actor   string        `json:"actor"`
	Text    string        `json:"text"`
	Minutes *int          `json:"minutes,omitempty"`
	Links   timelineLinks `json:"links"`
	// order breaks ties at the same instant (later-added first).
	order int
}

type timelineJSON struct {
	Items []timelineItem `json:"items"`
	More  bool           `json:"more"`
}

// getTimeline: GET /api/v1/tickets/{id}/timeline?before=&limit= answers
// {items, more}, newest first: items strictly older than before (an
// RFC 3339 time, the last item's at to page on), at most limit of them.
func (a *API) getTimeline(w http.ResponseWriter, r *http.Request) {
	t := a.ticketOr404(w, r)
	if t == nil {
		return
	}
	q := r.URL.Query()
	limit := DefaultTimelineLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxTimelineLimit {
			writeError(w, http.StatusBadRequest, "limit must be from 1 to 200")
			return
		}
		limit = n
	}
	var before time.Time
	if s := q.Get("before"); s != "" {
		b, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			writeError(w, http.StatusBadRequest, "before must be an RFC 3339 time")
			return
		}
		before = b
	}
	items, err := a.timeline(r, t)
	if err != nil {
		a.internal(w, r, "timeline", err)
		return
	}
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].At.Equal(items[j].At) {
			return items[i].At.After(items[j].At)
		}
		return items[i].order > items[j].order
	})
	out := timelineJSON{Items: []timelineItem{}}
	for _, it := range items {
		if !before.IsZero() && !it.At.Before(before) {
			continue
		}
		if len(out.Items) == limit {
			out.More = true
			break
		}
		out.Items = append(out.Items, it)
	}
	writeJSON(w, http.StatusOK, out)
}

// timeline gathers every item of ticket t, unordered.
func (a *API) timeline(r *http.Request, t *store.Ticket) ([]timelineItem, error) {
	ctx := r.Context()
	var items []timelineItem
	add := func(it timelineItem) {
		it.Links.Ticket = t.ID
		it.order = len(items)
		items = append(items, it)
	}
	// What the audit log alone knows: who opened the ticket, status
	// changes and assignments.
	for _, act := range []string{audit.ActionTicketCreate, audit.ActionTicketUpdate} {
		es, err := a.cfg.Store.ListAudit(ctx, store.AuditFilter{TicketID: t.ID, Action: act, Limit: store.MaxAuditLimit})
		if err != nil {
			return nil, fmt.Errorf("audit %s: %w", act, err)
		}
		for _, e := range es {
			if act == audit.ActionTicketCreate {
				add(timelineItem{At: e.Time, Kind: itemCreated, Actor: e.Actor, Text: "opened the ticket"})
				continue
			}
			var d struct {
				Status     []string `json:"status"`
				AssignedTo []string `json:"assigned_to"`
			}
			if json.Unmarshal(e.Details, &d) != nil {
				continue
			}
			if len(d.Status) == 2 && d.Status[0] != d.Status[1] {
				add(timelineItem{At: e.Time, Kind: itemStatus, Actor: e.Actor, Text: "status " + statusLabel(d.Status[0]) + " → " + statusLabel(d.Status[1])})
			}
			if len(d.AssignedTo) == 2 && d.AssignedTo[0] != d.AssignedTo[1] {
				text := "assigned to " + d.AssignedTo[1]
				switch {
				case d.AssignedTo[1] == "":
					text = "unassigned"
				case d.AssignedTo[1] == e.Actor:
					text = "took the ticket"
				}
				add(timelineItem{At: e.Time, Kind: itemAssign, Actor: e.Actor, Text: text})
			}
		}
	}
	notes, err := a.cfg.Store.ListNotes(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("notes: %w", err)
	}
	for _, n := range notes {
		text := n.Body
		if n.Kind == store.NoteEscalation {
			text = "escalated to " + n.Recipient
			if n.Body != "" {
				text += ": " + n.Body
			}
		}
		add(timelineItem{At: n.CreatedAt, Kind: n.Kind, Actor: n.Author, Text: text, Minutes: n.Minutes})
	}
	ss, err := a.cfg.Store.ListSessions(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	for _, s := range ss {
		links := timelineLinks{Session: s.ID}
		who := s.Host.User
		if s.Host.Hostname != "" {
			who = strings.TrimPrefix(who+"@"+s.Host.Hostname, "@")
		}
		start := s.CreatedAt
		if s.ConnectedAt != nil {
			start = *s.ConnectedAt
		}
		text := "the user joined"
		if who != "" {
			text += " from " + who
		}
		add(timelineItem{At: start, Kind: itemSessionStart, Actor: s.Host.User, Text: text, Links: links})
		if s.EndedAt != nil {
			reason := s.EndReason
			if reason == "" {
				reason = "no reason recorded"
			}
			add(timelineItem{At: *s.EndedAt, Kind: itemSessionEnd, Text: "session ended: " + reason, Links: links})
		}
		if s.Rating > 0 && s.RatedAt != nil {
			text := fmt.Sprintf("the user rated the help %d/5", s.Rating)
			if c := strings.TrimSpace(s.RatingComment); c != "" {
				text += ": " + c
			}
			add(timelineItem{At: *s.RatedAt, Kind: itemRating, Actor: s.Host.User, Text: text, Links: links})
		}
	}
	reps, err := a.cfg.Store.ListReports(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	for _, rp := range reps {
		text := "diagnostics report"
		if rp.Runbook != "" {
			text += " (" + rp.Runbook + ")"
		}
		if parts := countsText(rp.Counts); parts != "" {
			text += ": " + parts
		}
		add(timelineItem{At: rp.CreatedAt, Kind: itemReport, Actor: rp.Actor, Text: text, Links: timelineLinks{Session: rp.SessionID, Report: rp.ID}})
	}
	recs, err := a.cfg.Store.ListRecordings(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	for _, rc := range recs {
		text := rc.Kind + " recording"
		if rc.Title != "" {
			text += " " + rc.Title
		}
		if rc.State == store.RecordingInterrupted {
			text += " (interrupted)"
		}
		add(timelineItem{At: rc.StartedAt, Kind: itemRecording, Actor: rc.Actor, Text: text, Links: timelineLinks{Session: rc.SessionID, Recording: rc.ID}})
	}
	xfers, err := a.files().ListFiles(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	for _, f := range xfers {
		text := fmt.Sprintf("collected %s (%d bytes, SHA-256 %.12s…)", f.Name, f.Size, f.SHA256)
		if f.Direction == store.FileSent {
			text = fmt.Sprintf("sent %s (%d bytes, SHA-256 %.12s…) to the user", f.Name, f.Size, f.SHA256)
		}
		if f.State != store.FileComplete {
			text += " (" + f.State + ")"
		}
		links := timelineLinks{Session: f.SessionID}
		if f.Key != "" {
			links.File = f.ID
		}
		add(timelineItem{At: f.CreatedAt, Kind: itemFile, Actor: f.Actor, Text: text, Links: links})
	}
	return items, nil
}

// statusLabel is how a person reads a ticket status.
func statusLabel(s string) string {
	if s == store.StatusInProgress {
		return "in progress"
	}
	return s
}

// countsText says a report's result counts in a stable order.
func countsText(c map[string]int) string {
	var parts []string
	for _, k := range []string{"ok", "warn", "fail", "error", "skipped"} {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
		}
	}
	return strings.Join(parts, ", ")
}
