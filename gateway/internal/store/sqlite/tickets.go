package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/store"
)

const ticketCols = `id, title, description, status, requester, created_by, assigned_to, created_at, updated_at`

func scanTicket(r scanner) (store.Ticket, error) {
	var t store.Ticket
	var created, updated int64
	err := r.Scan(&t.ID, &t.Title, &t.Description, &t.Status, &t.Requester, &t.CreatedBy, &t.AssignedTo, &created, &updated)
	t.CreatedAt, t.UpdatedAt = fromNanos(created), fromNanos(updated)
	return t, err
}

// CreateTicket inserts t, filling t.ID, t.CreatedAt and t.UpdatedAt (when
// zero) and t.Status (StatusOpen when empty).
func (s *Store) CreateTicket(ctx context.Context, t *store.Ticket) error {
	if t.Status == "" {
		t.Status = store.StatusOpen
	}
	if !store.ValidStatus(t.Status) {
		return fmt.Errorf("store: create ticket: invalid status %q", t.Status)
	}
	created := s.orNow(t.CreatedAt)
	updated := created
	if !t.UpdatedAt.IsZero() {
		updated = t.UpdatedAt.UTC()
	}
	cn, err := toNanos(created)
	if err != nil {
		return fmt.Errorf("store: create ticket: %w", err)
	}
	un, err := toNanos(updated)
	if err != nil {
		return fmt.Errorf("store: create ticket: %w", err)
	}
	res, err := s.exec(ctx, `INSERT INTO tickets (title, description, status, requester, created_by, assigned_to, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Title, t.Description, t.Status, t.Requester, t.CreatedBy, t.AssignedTo, cn, un)
	if err != nil {
		return fmt.Errorf("store: create ticket: %w", mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("store: create ticket: %w", err)
	}
	t.ID, t.CreatedAt, t.UpdatedAt = id, created, updated
	return nil
}

// Ticket returns ticket id, or ErrNotFound.
func (s *Store) Ticket(ctx context.Context, id int64) (*store.Ticket, error) {
	t, err := scanTicket(s.db.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: ticket %d: %w", id, mapErr(err))
	}
	return &t, nil
}

// ListTickets returns the tickets matching f, newest first.
func (s *Store) ListTickets(ctx context.Context, f store.TicketFilter) ([]store.Ticket, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where = append(where, `status = ?`)
		args = append(args, f.Status)
	}
	if f.AssignedTo != "" {
		where = append(where, `assigned_to = ?`)
		args = append(args, f.AssignedTo)
	}
	if f.Query != "" {
		p := likeEscape(f.Query)
		where = append(where, `(title LIKE ? ESCAPE '\' OR description LIKE ? ESCAPE '\' OR requester LIKE ? ESCAPE '\')`)
		args = append(args, p, p, p)
	}
	q := `SELECT ` + ticketCols + ` FROM tickets`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, clampLimit(f.Limit, store.DefaultTicketLimit, store.MaxTicketLimit))

	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list tickets: %w", err)
	}
	defer rows.Close()
	out := []store.Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list tickets: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list tickets: %w", err)
	}
	return out, nil
}

// UpdateTicket stores t's status, assignee, title and description and sets
// t.UpdatedAt to now. An unknown id is ErrNotFound.
func (s *Store) UpdateTicket(ctx context.Context, t *store.Ticket) error {
	if !store.ValidStatus(t.Status) {
		return fmt.Errorf("store: update ticket %d: invalid status %q", t.ID, t.Status)
	}
	now := s.now().UTC()
	res, err := s.exec(ctx, `UPDATE tickets SET status = ?, assigned_to = ?, title = ?, description = ?, updated_at = ?
		WHERE id = ?`,
		t.Status, t.AssignedTo, t.Title, t.Description, now.UnixNano(), t.ID)
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fmt.Errorf("store: update ticket %d: %w", t.ID, mapErr(err))
	}
	t.UpdatedAt = now
	return nil
}
