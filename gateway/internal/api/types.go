package api

import (
	"encoding/json"
	"time"

	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// The API's JSON objects. The API defines what it answers; store rows are
// converted here, at the edge, and carry no JSON tags of their own, so a
// column added to the store is not published by accident and a store
// rewrite cannot change the API. The field names and values are the ones
// docs/api.md documents and webui/src/lib/api.ts mirrors: change them only
// together with those.
//
// userJSON (session_auth.go) and inviteJSON (tickets.go) follow the same
// rule. The event hub converts rows too (see eventJSON).

// ticketJSON is a ticket.
type ticketJSON struct {
	ID          int64     `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	Requester   string    `json:"requester"`
	CreatedBy   string    `json:"created_by"`
	AssignedTo  string    `json:"assigned_to"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toTicketJSON(t *store.Ticket) ticketJSON {
	return ticketJSON{ID: t.ID, Title: t.Title, Description: t.Description, Status: t.Status, Requester: t.Requester,
		CreatedBy: t.CreatedBy, AssignedTo: t.AssignedTo, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func toTicketsJSON(ts []store.Ticket) []ticketJSON {
	if ts == nil {
		return nil
	}
	out := make([]ticketJSON, len(ts))
	for i := range ts {
		out[i] = toTicketJSON(&ts[i])
	}
	return out
}

// hostJSON is the user's machine as its client reported it.
type hostJSON struct {
	Hostname  string `json:"hostname"`
	OS        string `json:"os"`
	OSVersion string `json:"os_version"`
	Arch      string `json:"arch"`
	User      string `json:"user"`
}

// sessionJSON is a session. The invite code it was opened with is not
// part of it.
type sessionJSON struct {
	ID            string      `json:"id"`
	TicketID      int64       `json:"ticket_id"`
	Technician    string      `json:"technician"`
	State         string      `json:"state"`
	Scopes        []string    `json:"scopes"`
	Granted       []string    `json:"granted"`
	Host          hostJSON    `json:"host"`
	ClientVersion string      `json:"client_version"`
	RemoteAddr    string      `json:"remote_addr"`
	CreatedAt     time.Time   `json:"created_at"`
	ConnectedAt   *time.Time  `json:"connected_at"`
	EndedAt       *time.Time  `json:"ended_at"`
	EndReason     string      `json:"end_reason"`
	Consent       string      `json:"consent"` // window, terminal, flag; "" unknown (older client)
	Rating        *ratingJSON `json:"rating"`
}

// ratingJSON is the user's rating of a session.
type ratingJSON struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

func toSessionJSON(s *store.Session) sessionJSON {
	h := s.Host
	return sessionJSON{ID: s.ID, TicketID: s.TicketID, Technician: s.Technician, State: s.State, Scopes: s.Scopes,
		Granted: s.Granted, Host: hostJSON{Hostname: h.Hostname, OS: h.OS, OSVersion: h.OSVersion, Arch: h.Arch, User: h.User},
		ClientVersion: s.ClientVersion, RemoteAddr: s.RemoteAddr, CreatedAt: s.CreatedAt, ConnectedAt: s.ConnectedAt,
		EndedAt: s.EndedAt, EndReason: s.EndReason, Consent: s.Consent, Rating: toRatingJSON(s)}
}

func toRatingJSON(s *store.Session) *ratingJSON {
	if s.Rating == 0 || s.RatedAt == nil {
		return nil
	}
	return &ratingJSON{Score: s.Rating, Comment: s.RatingComment, At: *s.RatedAt}
}

func toSessionsJSON(ss []store.Session) []sessionJSON {
	if ss == nil {
		return nil
	}
	out := make([]sessionJSON, len(ss))
	for i := range ss {
		out[i] = toSessionJSON(&ss[i])
	}
	return out
}

// recordingJSON is a recording's metadata with the address of its file.
// The blob key is not part of it.
type recordingJSON struct {
	ID        string     `json:"id"`
	TicketID  int64      `json:"ticket_id"`
	SessionID string     `json:"session_id"`
	Kind      string     `json:"kind"`
	Actor     string     `json:"actor"`
	Title     string     `json:"title"`
	State     string     `json:"state"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	Size      int64      `json:"size"`
	SHA256    string     `json:"sha256"`
	Signature string     `json:"signature"`
	URL       string     `json:"url"`
}

func toRecordingJSON(r *store.Recording) recordingJSON {
	return recordingJSON{ID: r.ID, TicketID: r.TicketID, SessionID: r.SessionID, Kind: r.Kind, Actor: r.Actor, Title: r.Title,
		State: r.State, StartedAt: r.StartedAt, EndedAt: r.EndedAt, Size: r.Size, SHA256: r.SHA256, Signature: r.Signature,
		URL: "/api/v1/recordings/" + r.ID}
}

// reportJSON is a stored diagnostics report as a ticket lists it (and the
// "report" event carries it): counts by status, the body only when set.
type reportJSON struct {
	ID         string          `json:"id"`
	TicketID   int64           `json:"ticket_id"`
	SessionID  string          `json:"session_id"`
	Actor      string          `json:"actor"`
	Runbook    string          `json:"runbook"`
	CreatedAt  time.Time       `json:"created_at"`
	DurationMS int64           `json:"duration_ms"`
	Counts     map[string]int  `json:"counts"`
	Body       json.RawMessage `json:"body,omitempty"`
}

func toReportJSON(r *store.Report) reportJSON {
	return reportJSON{ID: r.ID, TicketID: r.TicketID, SessionID: r.SessionID, Actor: r.Actor, Runbook: r.Runbook,
		CreatedAt: r.CreatedAt, DurationMS: r.DurationMS, Counts: r.Counts, Body: r.Body}
}

// auditEntryJSON is one audit entry, hashes included, so that a reader can
// check the chain. (The hash is computed by package audit over its own
// canonical encoding, not over this JSON.)
type auditEntryJSON struct {
	Seq        int64           `json:"seq"`
	Time       time.Time       `json:"time"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	TicketID   int64           `json:"ticket_id"`
	SessionID  string          `json:"session_id"`
	RemoteAddr string          `json:"remote_addr"`
	Details    json.RawMessage `json:"details"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

func toAuditEntryJSON(e *store.AuditEntry) auditEntryJSON {
	return auditEntryJSON{Seq: e.Seq, Time: e.Time, Actor: e.Actor, Action: e.Action, TicketID: e.TicketID,
		SessionID: e.SessionID, RemoteAddr: e.RemoteAddr, Details: e.Details, PrevHash: e.PrevHash, Hash: e.Hash}
}

func toAuditEntriesJSON(es []store.AuditEntry) []auditEntryJSON {
	if es == nil {
		return nil
	}
	out := make([]auditEntryJSON, len(es))
	for i := range es {
		out[i] = toAuditEntryJSON(&es[i])
	}
	return out
}

// streamEndJSON is the data of the event stream's last event, "end": why
// the stream ended (for people) and the end-cause code (right_withdrawn).
type streamEndJSON struct {
	Reason string `json:"reason"`
	Code   string `json:"code"`
}

func toStreamEndJSON(why error) streamEndJSON {
	return streamEndJSON{Reason: why.Error(), Code: cause.Code(why)}
}

// eventJSON is what the event hub publishes for v: store rows become their
// API objects (the server publishes session and audit rows it gets from the
// broker and the audit log), anything else is published as it is.
func eventJSON(v any) any {
	switch x := v.(type) {
	case store.Ticket:
		return toTicketJSON(&x)
	case *store.Ticket:
		return toTicketJSON(x)
	case store.ChatMessage:
		return toChatJSON(&x)
	case store.Ask:
		return toAskJSON(&x)
	case store.Session:
		return toSessionJSON(&x)
	case *store.Session:
		return toSessionJSON(x)
	case store.Recording:
		return toRecordingJSON(&x)
	case *store.Recording:
		return toRecordingJSON(x)
	case store.Report:
		return toReportJSON(&x)
	case *store.Report:
		return toReportJSON(x)
	case store.AuditEntry:
		return toAuditEntryJSON(&x)
	case *store.AuditEntry:
		return toAuditEntryJSON(x)
	}
	return v
}
