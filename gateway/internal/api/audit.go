package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f store.AuditFilter
	if v := q.Get("ticket"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			writeError(w, http.StatusBadRequest, "ticket must be a positive integer")
			return
		}
		f.TicketID = id
	}
	f.Actor, f.Action = q.Get("actor"), q.Get("action")
	if len(f.Actor) > 64 || len(f.Action) > 64 {
		writeError(w, http.StatusBadRequest, "actor and action are at most 64 characters")
		return
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, name+" must be an RFC 3339 time")
				return
			}
			*dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, "limit must be between 1 and 10000")
			return
		}
		f.Limit = n
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "after must be a sequence number")
			return
		}
		f.AfterSeq = n
	}
	es, err := a.cfg.Store.ListAudit(r.Context(), f)
	if err != nil {
		a.internal(w, r, "list audit", err)
		return
	}
	if es == nil {
		es = []store.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, toAuditEntriesJSON(es))
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
