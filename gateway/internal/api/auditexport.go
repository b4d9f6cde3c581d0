package api

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// exportBatch is how many entries the export reads from the store at a time.
const exportBatch = 500

var auditCSVHeader = []string{"seq", "time", "actor", "action", "ticket_id", "session_id", "remote_addr", "details", "prev_hash", "hash"}

// exportAudit streams every entry matching the list's filters as CSV or
// JSON Lines (one auditEntryJSON a line), newest first unless order=asc,
// reading the store in batches so memory stays flat. The export is audited
// (audit.export, with the format and filters) before the first byte: if
// that entry cannot be written nothing is exported.
func (a *API) exportAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "csv" && format != "jsonl" {
		writeError(w, http.StatusBadRequest, "format must be csv or jsonl")
		return
	}
	q.Set("page", "1") // the export's order defaults like the page's
	f, _, msg := auditQuery(q)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	limit := 0 // 0: everything
	if q.Has("limit") {
		limit = f.Limit
	}
	filters := map[string]any{"format": format, "order": map[bool]string{true: "desc", false: "asc"}[f.Desc]}
	for _, k := range []string{"ticket", "actor", "action", "since", "until", "before", "after", "limit"} {
		if v := q.Get(k); v != "" {
			filters[k] = v
		}
	}
	if err := a.cfg.Audit.Record(r.Context(), audit.Event{Actor: who(r).Name, Action: audit.ActionAuditExport,
		TicketID: f.TicketID, RemoteAddr: r.RemoteAddr, Details: filters}); err != nil {
		a.internal(w, r, "audit export", err)
		return
	}
	ctype, ext := "text/csv; charset=utf-8", "csv"
	if format == "jsonl" {
		ctype, ext = "application/x-ndjson", "jsonl"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tether-audit-%s.%s"`, time.Now().UTC().Format("20060102-150405"), ext))
	w.Header().Set("Cache-Control", "private, no-store")
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if format == "csv" {
		_ = cw.Write(auditCSVHeader)
	}
	enc := json.NewEncoder(bw)
	sent := 0
	for {
		f.Limit = exportBatch
		if limit > 0 && limit-sent < exportBatch {
			f.Limit = limit - sent
		}
		es, err := a.cfg.Store.ListAudit(r.Context(), f)
		if err != nil {
			// The status is sent; a truncated file is all we can do. Log it.
			a.cfg.Log.Error("audit export failed", "err", err)
			break
		}
		for i := range es {
			if format == "csv" {
				_ = cw.Write(auditCSVRow(&es[i]))
			} else if err := enc.Encode(toAuditEntryJSON(&es[i])); err != nil {
				a.cfg.Log.Error("audit export failed", "err", err)
				return
			}
		}
		sent += len(es)
		if len(es) < f.Limit || (limit > 0 && sent >= limit) {
			break
		}
		if last := es[len(es)-1].Seq; f.Desc {
			f.BeforeSeq = last
		} else {
			f.AfterSeq = last
		}
	}
	cw.Flush()
	_ = bw.Flush()
}

// auditCSVRow is one CSV row. A cell that a spreadsheet would read as a
// formula (=, +, -, @, tab, CR first) gets a leading apostrophe.
func auditCSVRow(e *store.AuditEntry) []string {
	ticket := ""
	if e.TicketID != 0 {
		ticket = strconv.FormatInt(e.TicketID, 10)
	}
	row := []string{strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, ticket,
		e.SessionID, e.RemoteAddr, string(e.Details), e.PrevHash, e.Hash}
	for i, c := range row {
		if c != "" && strings.ContainsAny(c[:1], "=+-@\t\r") {
			row[i] = "'" + c
		}
	}
	return row
}
