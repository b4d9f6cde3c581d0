package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// auditQuery reads the audit filters shared by the list and the export.
// paged is true when the call uses the paged shape (order, before or
// page=1): the answer is then {entries, next}, newest first by default,
// limit 100 (at most 1000). The old shape (none of those) keeps its bare
// array in seq order, limit 1000 (at most 10000), for existing tools.
func auditQuery(q url.Values) (f store.AuditFilter, paged bool, msg string) {
	paged = q.Has("order") || q.Has("before") || q.Get("page") == "1"
	if v := q.Get("ticket"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, paged, "ticket must be a positive integer"
		}
		f.TicketID = id
	}
	f.Actor, f.Action = q.Get("actor"), q.Get("action")
	if len(f.Actor) > 64 || len(f.Action) > 64 {
		return f, paged, "actor and action are at most 64 characters"
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, paged, name + " must be an RFC 3339 time"
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*int64{"after": &f.AfterSeq, "before": &f.BeforeSeq} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, paged, name + " must be a sequence number"
			}
			*dst = n
		}
	}
	switch q.Get("order") {
	case "", "desc":
		f.Desc = paged
	case "asc":
	default:
		return f, paged, "order must be asc or desc"
	}
	maxLimit := store.MaxAuditLimit
	if paged {
		maxLimit, f.Limit = maxAuditPage, defaultAuditPage
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return f, paged, fmt.Sprintf("limit must be between 1 and %d", maxLimit)
		}
		f.Limit = n
	}
	return f, paged, ""
}

// Page sizes of the paged audit list.
const (
	defaultAuditPage = 100
	maxAuditPage     = 1000
)

// auditPageJSON is one page of the paged audit list; Next is the cursor
// for the following page (pass it as before, or as after with order=asc),
// 0 when this page is the last.
type auditPageJSON struct {
	Entries []auditEntryJSON `json:"entries"`
	Next    int64            `json:"next"`
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	f, paged, msg := auditQuery(r.URL.Query())
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	want := f.Limit
	if paged {
		f.Limit++ // one more tells whether there is a next page
	}
	es, err := a.cfg.Store.ListAudit(r.Context(), f)
	if err != nil {
		a.internal(w, r, "list audit", err)
		return
	}
	if es == nil {
		es = []store.AuditEntry{}
	}
	if !paged {
		writeJSON(w, http.StatusOK, toAuditEntriesJSON(es))
		return
	}
	out := auditPageJSON{}
	if len(es) > want {
		es = es[:want]
		out.Next = es[want-1].Seq
	}
	out.Entries = toAuditEntriesJSON(es)
	writeJSON(w, http.StatusOK, out)
}

func (a *API) verifyAudit(w http.ResponseWriter, r *http.Request) {
	res, err := audit.Verify(r.Context(), func(fn func(store.AuditEntry) error) error {
		return a.cfg.Store.AllAudit(r.Context(), fn)
	})
	if err != nil {
		a.internal(w, r, "verify audit", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": res.OK, "entries": res.Entries, "first_bad": res.FirstBad, "reason": res.Reason})
}
