package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// AddNote stores a note on a ticket, filling n.CreatedAt when zero. An
// unknown ticket is ErrNotFound, a duplicate id ErrConflict.
func (s *Store) AddNote(ctx context.Context, n *store.Note) error {
	if n.ID == "" || !store.ValidNoteKind(n.Kind) {
		return fmt.Errorf("store: add note: missing id or bad kind %q", n.Kind)
	}
	at := s.orNow(n.CreatedAt)
	an, err := toNanos(at)
	if err != nil {
		return fmt.Errorf("store: add note: %w", err)
	}
	var minutes sql.NullInt64
	if n.Minutes != nil {
		minutes = sql.NullInt64{Int64: int64(*n.Minutes), Valid: true}
	}
	if _, err := s.exec(ctx, `INSERT INTO notes (id, ticket_id, author, kind, body, minutes, recipient, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, n.ID, n.TicketID, n.Author, n.Kind, n.Body, minutes, n.Recipient, an); err != nil {
		return fmt.Errorf("store: add note: %w", mapErr(err))
	}
	n.CreatedAt = at
	return nil
}

// ListNotes returns a ticket's notes, oldest first.
func (s *Store) ListNotes(ctx context.Context, ticketID int64) ([]store.Note, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, ticket_id, author, kind, body, minutes, recipient, created_at
		FROM notes WHERE ticket_id = ? ORDER BY created_at, rowid`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: list notes: %w", err)
	}
	defer rows.Close()
	out := []store.Note{}
	for rows.Next() {
		var n store.Note
		var minutes sql.NullInt64
		var at int64
		if err := rows.Scan(&n.ID, &n.TicketID, &n.Author, &n.Kind, &n.Body, &minutes, &n.Recipient, &at); err != nil {
			return nil, fmt.Errorf("store: list notes: %w", err)
		}
		if minutes.Valid {
			m := int(minutes.Int64)
			n.Minutes = &m
		}
		n.CreatedAt = fromNanos(at)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list notes: %w", err)
	}
	return out, nil
}
