package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/diagdiff"
	"github.com/tetherhq/tether/gateway/internal/rights"
	"github.com/tetherhq/tether/gateway/internal/runbook"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// DiagTimeout bounds one diagnostics run end to end.
const DiagTimeout = 90 * time.Second

// diagEvent is published on the event stream as each check completes, so
// the UI can show results before the whole report is in.
type diagEvent struct {
	ReportID  string           `json:"report_id"`
	SessionID string           `json:"session_id"`
	TicketID  int64            `json:"ticket_id"`
	Result    *wire.DiagResult `json:"result,omitempty"`
	Done      bool             `json:"done,omitempty"`
}

// runDiagnostics runs a sweep on the client, stores the report on the ticket and returns it.
func (a *API) runDiagnostics(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	var body struct {
		Checks  []string        `json:"checks"`
		Params  wire.DiagParams `json:"params"`
		Runbook string          `json:"runbook"`
	}
	if err := a.decodeJSON(w, r, &body); err != nil {
		failInput(w, err)
		return
	}
	req := wire.DiagRequest{Checks: body.Checks, Params: body.Params}
	if body.Runbook != "" {
		rb, ok := a.runbooks().Find(body.Runbook)
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("no runbook named %q", body.Runbook))
			return
		}
		rr, err := rb.Request(body.Params)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if len(body.Checks) > 0 {
			rr.Checks = body.Checks
		}
		req = rr
	}
	// Validate exactly as the client will: through the wire parser.
	raw, _ := json.Marshal(req)
	req, err := wire.ParseDiagRequest(raw)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	l := a.liveFor(w, r, s)
	if l == nil {
		return
	}
	run, err := l.OpenDiag(who(r).Display)
	if err != nil {
		if !a.refused(w, r, s, "diagnostics", err) {
			writeError(w, http.StatusBadGateway, "could not start diagnostics on the client")
		}
		return
	}
	defer run.Close()
	held, release := a.hold(r.Context(), r, "diagnostics", auth.ActDiagRun, s.TicketID, s.ID)
	defer release()
	ctx, cancel := context.WithTimeout(held, DiagTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { run.Close() })
	defer stop()

	rep := wire.DiagReport{ID: store.NewID("d_"), SessionID: s.ID, StartedAt: a.now(), Runbook: body.Runbook, Request: &req, Results: []wire.DiagResult{}}
	if err := run.Send(req); err != nil {
		writeError(w, http.StatusBadGateway, "could not send the request to the client")
		return
	}
	var clientErr string
	results, err := run.Collect(64, func(res wire.DiagResult) {
		a.hub.Publish("diag", diagEvent{ReportID: rep.ID, SessionID: s.ID, TicketID: s.TicketID, Result: &res})
	})
	rep.Results = results
	var refused *broker.RefusedError
	switch {
	case errors.As(err, &refused):
		clientErr = "the client refused the request: " + refused.Reason
	case err != nil:
		if cause := context.Cause(held); errors.Is(cause, rights.ErrWithdrawn) {
			clientErr = "diagnostics stopped: " + cause.Error()
		} else if r.Context().Err() != nil {
			clientErr = "the request was aborted"
		} else if ctx.Err() != nil {
			clientErr = "diagnostics timed out"
		} else {
			clientErr = "the client sent a malformed result: " + err.Error()
		}
	}
	if clientErr == "" && held.Err() != nil {
		// The channel was closed under the reader: say why.
		if cause := context.Cause(held); errors.Is(cause, rights.ErrWithdrawn) {
			clientErr = "diagnostics stopped: " + cause.Error()
		} else {
			clientErr = "the request was aborted"
		}
	}
	rep.DurationMS = a.now().Sub(rep.StartedAt).Milliseconds()
	if clientErr != "" && len(rep.Results) == 0 {
		// Nothing to store, but the request reached the user's machine.
		a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionDiagRun, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
			Details: map[string]any{"checks": req.Checks, "runbook": body.Runbook, "error": clientErr}})
		a.hub.Publish("diag", diagEvent{ReportID: rep.ID, SessionID: s.ID, TicketID: s.TicketID, Done: true})
		writeError(w, http.StatusBadGateway, clientErr)
		return
	}
	counts := map[string]int{}
	for _, res := range rep.Results {
		counts[res.Status]++
	}
	bodyJSON, _ := json.Marshal(rep)
	row := &store.Report{ID: rep.ID, TicketID: s.TicketID, SessionID: s.ID, Actor: who(r).Name, Runbook: body.Runbook,
		CreatedAt: rep.StartedAt, DurationMS: rep.DurationMS, Counts: counts, Body: bodyJSON}
	if err := a.cfg.Store.CreateReport(context.WithoutCancel(r.Context()), row); err != nil {
		a.internal(w, r, "store report", err)
		return
	}
	a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionDiagRun, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"report_id": rep.ID, "checks": req.Checks, "runbook": body.Runbook, "counts": counts, "error": clientErr}})
	row.Body = nil
	a.hub.Publish("report", row)
	a.hub.Publish("diag", diagEvent{ReportID: rep.ID, SessionID: s.ID, TicketID: s.TicketID, Done: true})
	writeJSON(w, http.StatusOK, rep)
}

func (a *API) runbooks() runbook.List {
	if a.cfg.Runbooks != nil {
		return a.cfg.Runbooks
	}
	l, _ := runbook.Defaults()
	return l
}

func (a *API) listRunbooks(w http.ResponseWriter, r *http.Request) {
	l := a.runbooks()
	if l == nil {
		l = runbook.List{}
	}
	writeJSON(w, http.StatusOK, l)
}

// reportOr404 loads a stored report with its body.
func (a *API) reportOr404(w http.ResponseWriter, r *http.Request, id string) (*wire.DiagReport, *store.Report) {
	if !validID(id) {
		writeError(w, http.StatusNotFound, "no such report")
		return nil, nil
	}
	row, err := a.cfg.Store.Report(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such report")
		return nil, nil
	}
	if err != nil {
		a.internal(w, r, "load report", err)
		return nil, nil
	}
	var rep wire.DiagReport
	if err := json.Unmarshal(row.Body, &rep); err != nil {
		a.internal(w, r, "decode report", err)
		return nil, nil
	}
	return &rep, row
}

func (a *API) getReport(w http.ResponseWriter, r *http.Request) {
	rep, row := a.reportOr404(w, r, r.PathValue("id"))
	if rep == nil {
		return
	}
	writeJSON(w, http.StatusOK, struct {
		*wire.DiagReport
		TicketID int64  `json:"ticket_id"`
		Actor    string `json:"actor"`
	}{rep, row.TicketID, row.Actor})
}

func (a *API) compareReports(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	before, brow := a.reportOr404(w, r, q.Get("before"))
	if before == nil {
		return
	}
	after, arow := a.reportOr404(w, r, q.Get("after"))
	if after == nil {
		return
	}
	if brow.TicketID != arow.TicketID {
		writeError(w, http.StatusBadRequest, "the two reports belong to different tickets")
		return
	}
	writeJSON(w, http.StatusOK, diagdiff.Compare(*before, *after))
}
