package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// CreateReport inserts rep (ID chosen by the caller), filling rep.CreatedAt
// when zero. Body must be valid JSON (empty means {}).
func (s *Store) CreateReport(ctx context.Context, rep *store.Report) error {
	if rep.ID == "" {
		return fmt.Errorf("store: create report: empty id")
	}
	body := rep.Body
	if len(body) == 0 {
		body = json.RawMessage(`{}`)
	}
	if !json.Valid(body) {
		return fmt.Errorf("store: create report %s: body is not valid JSON", rep.ID)
	}
	created := s.orNow(rep.CreatedAt)
	err := func() error {
		counts := rep.Counts
		if counts == nil {
			counts = map[string]int{}
		}
		cb, err := json.Marshal(counts)
		if err != nil {
			return err
		}
		cn, err := toNanos(created)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, `INSERT INTO reports (id, ticket_id, session_id, actor, runbook, created_at, duration_ms, counts, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rep.ID, rep.TicketID, rep.SessionID, rep.Actor, rep.Runbook, cn, rep.DurationMS, string(cb), string(body))
		return mapErr(err)
	}()
	if err != nil {
		return fmt.Errorf("store: create report %s: %w", rep.ID, err)
	}
	rep.CreatedAt = created
	rep.Body = body
	return nil
}

func scanReport(r scanner, withBody bool) (store.Report, error) {
	var rep store.Report
	var created int64
	var counts, body string
	dest := []any{&rep.ID, &rep.TicketID, &rep.SessionID, &rep.Actor, &rep.Runbook, &created, &rep.DurationMS, &counts}
	if withBody {
		dest = append(dest, &body)
	}
	if err := r.Scan(dest...); err != nil {
		return rep, err
	}
	rep.CreatedAt = fromNanos(created)
	rep.Counts = map[string]int{}
	if err := json.Unmarshal([]byte(counts), &rep.Counts); err != nil {
		return rep, fmt.Errorf("decode counts: %w", err)
	}
	if withBody {
		rep.Body = json.RawMessage(body)
	}
	return rep, nil
}

const reportCols = `id, ticket_id, session_id, actor, runbook, created_at, duration_ms, counts`

// Report returns report id with its body, or ErrNotFound.
func (s *Store) Report(ctx context.Context, id string) (*store.Report, error) {
	rep, err := scanReport(s.db.QueryRowContext(ctx, `SELECT `+reportCols+`, body FROM reports WHERE id = ?`, id), true)
	if err != nil {
		return nil, fmt.Errorf("store: report %s: %w", id, mapErr(err))
	}
	return &rep, nil
}

// ListReports returns a ticket's reports, oldest first, without bodies.
func (s *Store) ListReports(ctx context.Context, ticketID int64) ([]store.Report, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+reportCols+` FROM reports WHERE ticket_id = ?
		ORDER BY created_at, id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: list reports: %w", err)
	}
	defer rows.Close()
	out := []store.Report{}
	for rows.Next() {
		rep, err := scanReport(rows, false)
		if err != nil {
			return nil, fmt.Errorf("store: list reports: %w", err)
		}
		out = append(out, rep)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list reports: %w", err)
	}
	return out, nil
}
