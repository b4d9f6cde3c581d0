package api

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// TestTypesJSON pins the API's objects to the JSON the API answered when it
// still wrote store rows directly (field names, order, null and empty
// values): the web UI and scripts depend on it. The event hub's conversion
// (eventJSON) and the handlers' use the same functions.
func TestTypesJSON(t *testing.T) {
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	later := now.Add(time.Minute)
	tests := []struct {
		name string
		row  any
		want string
	}{
		{"ticket", &store.Ticket{ID: 7, Title: "t", Description: "d", Status: "open", Requester: "r", CreatedBy: "c", AssignedTo: "a", CreatedAt: now, UpdatedAt: later},
			`{"id":7,"title":"t","description":"d","status":"open","requester":"r","created_by":"c","assigned_to":"a","created_at":"2026-12-01T23:00:00Z","updated_at":"2026-12-01T23:01:00Z"}`},
		{"session", &store.Session{ID: "s_1", TicketID: 7, InviteCode: "SECRET", Technician: "a", State: "ended", Scopes: []string{"shell"}, Granted: []string{},
			Host:          store.HostInfo{Hostname: "h", OS: "linux", OSVersion: "1", Arch: "amd64", User: "u"},
			ClientVersion: "v", RemoteAddr: "1.2.3.4", CreatedAt: now, ConnectedAt: &now, EndedAt: &later, EndReason: "x"},
			`{"id":"s_1","ticket_id":7,"technician":"a","state":"ended","scopes":["shell"],"granted":[],"host":{"hostname":"h","os":"linux","os_version":"1","arch":"amd64","user":"u"},"client_version":"v","remote_addr":"1.2.3.4","created_at":"2026-12-01T23:00:00Z","connected_at":"2026-12-01T23:00:00Z","ended_at":"2026-12-01T23:01:00Z","end_reason":"x","consent":"","rating":null}`},
		{"zero session", store.Session{},
			`{"id":"","ticket_id":0,"technician":"","state":"","scopes":null,"granted":null,"host":{"hostname":"","os":"","os_version":"","arch":"","user":""},"client_version":"","remote_addr":"","created_at":"0001-01-01T00:00:00Z","connected_at":null,"ended_at":null,"end_reason":"","consent":"","rating":null}`},
		{"recording", &store.Recording{ID: "r_1", TicketID: 7, SessionID: "s_1", Kind: "terminal", Actor: "a", Title: "t", State: "sealed", Key: "SECRET", StartedAt: now, EndedAt: &later, Size: 9, SHA256: "ab", Signature: "cd"},
			`{"id":"r_1","ticket_id":7,"session_id":"s_1","kind":"terminal","actor":"a","title":"t","state":"sealed","started_at":"2026-12-01T23:00:00Z","ended_at":"2026-12-01T23:01:00Z","size":9,"sha256":"ab","signature":"cd","url":"/api/v1/recordings/r_1"}`},
		{"report", &store.Report{ID: "d_1", TicketID: 7, SessionID: "s_1", Actor: "a", Runbook: "rb", CreatedAt: now, DurationMS: 5, Counts: map[string]int{"ok": 2}, Body: json.RawMessage(`{"x":1}`)},
			`{"id":"d_1","ticket_id":7,"session_id":"s_1","actor":"a","runbook":"rb","created_at":"2026-12-01T23:00:00Z","duration_ms":5,"counts":{"ok":2},"body":{"x":1}}`},
		{"report without body", &store.Report{},
			`{"id":"","ticket_id":0,"session_id":"","actor":"","runbook":"","created_at":"0001-01-01T00:00:00Z","duration_ms":0,"counts":null}`},
		{"audit entry", store.AuditEntry{Seq: 3, Time: now, Actor: "a", Action: "x.y", TicketID: 7, SessionID: "s", RemoteAddr: "r", Details: json.RawMessage(`{"k":"v"}`), PrevHash: "p", Hash: "h"},
			`{"seq":3,"time":"2026-12-01T23:00:00Z","actor":"a","action":"x.y","ticket_id":7,"session_id":"s","remote_addr":"r","details":{"k":"v"},"prev_hash":"p","hash":"h"}`},
		{"not a row", map[string]int{"n": 1}, `{"n":1}`},
	}
	for _, tc := range tests {
		got, err := json.Marshal(eventJSON(tc.row))
		if err != nil || string(got) != tc.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", tc.name, got, err, tc.want)
		}
	}
}

func TestTypesLists(t *testing.T) {
	for name, got := range map[string]any{
		"nil tickets":   toTicketsJSON(nil),
		"nil sessions":  toSessionsJSON(nil),
		"nil audit":     toAuditEntriesJSON(nil),
		"no tickets":    toTicketsJSON([]store.Ticket{}),
		"no sessions":   toSessionsJSON([]store.Session{}),
		"no audit rows": toAuditEntriesJSON([]store.AuditEntry{}),
	} {
		b, _ := json.Marshal(got)
		want := "[]"
		if name[:3] == "nil" {
			want = "null"
		}
		if string(b) != want {
			t.Errorf("%s: got %s, want %s", name, b, want)
		}
	}
}

func TestTicketDetailJSON(t *testing.T) {
	tk := &store.Ticket{ID: 1, Title: "t", Status: "open"}
	d := ticketDetail{ticketJSON: toTicketJSON(tk), Sessions: []sessionJSON{}, Recordings: []recordingJSON{}, Reports: []reportJSON{}, Invites: []inviteJSON{}}
	b, _ := json.Marshal(d)
	want := `{"id":1,"title":"t","description":"","status":"open","requester":"","created_by":"","assigned_to":"","created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z","sessions":[],"recordings":[],"reports":[],"invites":[]}`
	if string(b) != want {
		t.Errorf("ticket detail:\n got %s\nwant %s", b, want)
	}
}

func TestStreamEndJSON(t *testing.T) {
	b, _ := json.Marshal(toStreamEndJSON(cause.With(cause.RightWithdrawn, "signed out")))
	if want := `{"reason":"right withdrawn: signed out","code":"right_withdrawn"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

// TestTypesCoverEveryColumn: every field of a store row is either in its
// API object or deliberately kept out, and the rows carry no JSON tags (so
// nothing publishes a row by its tags). A new column therefore needs a
// decision here: publish it (add it to the API type, docs/api.md and
// webui/src/lib/api.ts) or list it as private.
func TestTypesCoverEveryColumn(t *testing.T) {
	tests := []struct {
		row, api any
		private  []string
		// tagged: the row keeps its tags for another encoder (audit.Export
		// writes store.AuditEntry as JSON Lines).
		tagged bool
	}{
		{store.Ticket{}, ticketJSON{}, nil, false},
		{store.Session{}, sessionJSON{}, []string{"InviteCode", "Owner", "RatingComment", "RatedAt"}, false}, // rating: {score, comment, at}
		{store.HostInfo{}, hostJSON{}, nil, false},
		{store.Recording{}, recordingJSON{}, []string{"Key", "Owner"}, false},
		{store.Report{}, reportJSON{}, nil, false},
		{store.AuditEntry{}, auditEntryJSON{}, nil, true},
	}
	for _, tc := range tests {
		rt, at := reflect.TypeOf(tc.row), reflect.TypeOf(tc.api)
		for i := range rt.NumField() {
			f := rt.Field(i)
			if _, ok := f.Tag.Lookup("json"); ok && !tc.tagged {
				t.Errorf("store.%s.%s has a JSON tag; the API defines its own JSON (types.go)", rt.Name(), f.Name)
			}
			if _, ok := at.FieldByName(f.Name); !ok && !slices.Contains(tc.private, f.Name) {
				t.Errorf("store.%s.%s is neither in %s nor listed as private", rt.Name(), f.Name, at.Name())
			}
		}
	}
}
