package api

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/store"
)

func (h *apiHarness) get(path, token string) (int, string, http.Header) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestAuditPagedList: the paged shape lists newest first with a cursor,
// filters by action group, and the old shape keeps its bare array.
func TestAuditPagedList(t *testing.T) {
	h := newAPIHarness(t)
	aud := h.user("ada", store.RoleAuditor)
	ctx := context.Background()
	for _, act := range []string{"chat.message", "shell.open", "chat.seal", "shell.close", "chat.message"} {
		if err := h.a.cfg.Audit.Record(ctx, audit.Event{Actor: "tina", Action: act}); err != nil {
			t.Fatal(err)
		}
	}
	var page auditPageJSON
	if code := h.do("GET", "/api/v1/audit?action=chat.&order=desc&limit=2", aud, nil, &page); code != 200 {
		t.Fatalf("paged list: %d", code)
	}
	acts := func(es []auditEntryJSON) (out []string) {
		for _, e := range es {
			out = append(out, e.Action)
		}
		return out
	}
	if diff := cmp.Diff([]string{"chat.message", "chat.seal"}, acts(page.Entries)); diff != "" || page.Next == 0 {
		t.Errorf("first page (-want +got):\n%s next %d", diff, page.Next)
	}
	first := page.Entries[0].Seq
	var page2 auditPageJSON
	h.do("GET", "/api/v1/audit?action=chat.&order=desc&limit=2&before="+itoa(int(page.Next)), aud, nil, &page2)
	if diff := cmp.Diff([]string{"chat.message"}, acts(page2.Entries)); diff != "" || page2.Next != 0 {
		t.Errorf("second page (-want +got):\n%s next %d", diff, page2.Next)
	}
	if page2.Entries[0].Seq >= first {
		t.Errorf("second page seq %d not older than %d", page2.Entries[0].Seq, first)
	}
	var old []auditEntryJSON
	if code := h.do("GET", "/api/v1/audit?actor=tina", aud, nil, &old); code != 200 || len(old) != 5 || old[0].Seq > old[4].Seq {
		t.Errorf("old shape: %d, %d entries, want 200 and 5 in seq order", code, len(old))
	}
	for _, bad := range []string{"order=up", "before=-1", "page=1&limit=1001", "since=yesterday"} {
		if code := h.do("GET", "/api/v1/audit?"+bad, aud, nil, nil); code != 400 {
			t.Errorf("GET /api/v1/audit?%s: %d, want 400", bad, code)
		}
	}
	var acts2 []auditActionJSON
	if code := h.do("GET", "/api/v1/audit/actions", aud, nil, &acts2); code != 200 || len(acts2) != len(auditActionLabels) {
		t.Errorf("actions: %d, %d", code, len(acts2))
	}
}

// TestAuditExport: the CSV has the filtered rows newest first, a formula-
// looking cell is defused, and the export itself is audited.
func TestAuditExport(t *testing.T) {
	h := newAPIHarness(t)
	aud := h.user("ada", store.RoleAuditor)
	ctx := context.Background()
	for _, actor := range []string{"=cmd", "tina", "tina"} {
		if err := h.a.cfg.Audit.Record(ctx, audit.Event{Actor: actor, Action: audit.ActionShellOpen}); err != nil {
			t.Fatal(err)
		}
	}
	code, body, hdr := h.get("/api/v1/audit/export?format=csv&action=shell.", aud)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %q", code, hdr.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0]+" "+r[2])
	}
	if diff := cmp.Diff([]string{"3 tina", "2 tina", "1 '=cmd"}, got); diff != "" {
		t.Errorf("csv rows (-want +got):\n%s", diff)
	}
	code, body, _ = h.get("/api/v1/audit/export?format=jsonl&limit=2&order=asc", aud)
	if lines := strings.Split(strings.TrimSpace(body), "\n"); code != 200 || len(lines) != 2 || !strings.Contains(lines[0], `"seq":1`) {
		t.Errorf("jsonl: %d %q", code, body)
	}
	var es []auditEntryJSON
	h.do("GET", "/api/v1/audit?action=audit.export", aud, nil, &es)
	if len(es) != 2 || es[0].Actor != "ada" || !strings.Contains(string(es[0].Details), `"format":"csv"`) {
		t.Errorf("audit.export entries: %+v", es)
	}
	if code, _, _ := h.get("/api/v1/audit/export?format=xml", aud); code != 400 {
		t.Errorf("format=xml: %d, want 400", code)
	}
}

// TestRecordingViewAudited: the replay page's meta, the file it plays and a
// download each leave a recording.view entry saying how.
func TestRecordingViewAudited(t *testing.T) {
	h := newAPIHarness(t)
	tech := h.user("tina", store.RoleTechnician)
	aud := h.user("ada", store.RoleAuditor)
	ctx := context.Background()
	tk := &store.Ticket{Title: "t", CreatedBy: "tina"}
	if err := h.st.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	sess := &store.Session{ID: store.NewID("s_"), TicketID: tk.ID, Technician: "tina", State: store.SessionEnded, Host: store.HostInfo{Hostname: "pc"}}
	if err := h.st.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	rec, err := h.a.recs.StartTerminal(ctx, sess, "tina", 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	rec.Output([]byte("hello\r\n"))
	rec.Finish(ctx, cause.ShellExited)
	id := rec.ID()
	h.get("/api/v1/recordings/"+id+"/meta", aud)
	h.get("/api/v1/recordings/"+id+"?for=replay", aud)
	h.get("/api/v1/recordings/"+id, tech)
	var es []auditEntryJSON
	h.do("GET", "/api/v1/audit?action=recording.view", aud, nil, &es)
	var got []string
	for _, e := range es {
		got = append(got, e.Actor+" "+string(e.Details))
		if e.TicketID != tk.ID || e.SessionID != sess.ID {
			t.Errorf("entry %d: ticket %d session %q, want %d %q", e.Seq, e.TicketID, e.SessionID, tk.ID, sess.ID)
		}
	}
	want := []string{
		`ada {"how":"view","kind":"terminal","recording_id":"` + id + `"}`,
		`ada {"how":"replay","kind":"terminal","recording_id":"` + id + `"}`,
		`tina {"how":"download","kind":"terminal","recording_id":"` + id + `"}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recording.view entries (-want +got):\n%s", diff)
	}
}
