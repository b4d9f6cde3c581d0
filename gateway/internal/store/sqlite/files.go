package sqlite

import (
	"context"
	"fmt"

	"github.com/tetherhq/tether/gateway/internal/store"
)

const fileCols = `id, ticket_id, session_id, direction, actor, name, path, size, sha256, state, error, blob_key, created_at`

func scanFile(r scanner) (store.File, error) {
	var f store.File
	var at int64
	err := r.Scan(&f.ID, &f.TicketID, &f.SessionID, &f.Direction, &f.Actor, &f.Name, &f.Path, &f.Size, &f.SHA256,
		&f.State, &f.Error, &f.Key, &at)
	f.CreatedAt = fromNanos(at)
	return f, err
}

// CreateFile stores a finished transfer, filling f.CreatedAt when zero. An
// unknown ticket is ErrNotFound, a duplicate id ErrConflict.
func (s *Store) CreateFile(ctx context.Context, f *store.File) error {
	if f.ID == "" || !store.ValidFile(f) {
		return fmt.Errorf("store: create file: missing id or bad direction %q / state %q", f.Direction, f.State)
	}
	at := s.orNow(f.CreatedAt)
	an, err := toNanos(at)
	if err != nil {
		return fmt.Errorf("store: create file: %w", err)
	}
	if _, err := s.exec(ctx, `INSERT INTO files (`+fileCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.TicketID, f.SessionID, f.Direction, f.Actor, f.Name, f.Path, f.Size, f.SHA256, f.State, f.Error, f.Key, an); err != nil {
		return fmt.Errorf("store: create file %s: %w", f.ID, mapErr(err))
	}
	f.CreatedAt = at
	return nil
}

// File returns transfer id, or ErrNotFound.
func (s *Store) File(ctx context.Context, id string) (*store.File, error) {
	f, err := scanFile(s.db.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: file %s: %w", id, mapErr(err))
	}
	return &f, nil
}

// ListFiles returns a ticket's transfers, oldest first.
func (s *Store) ListFiles(ctx context.Context, ticketID int64) ([]store.File, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+fileCols+` FROM files WHERE ticket_id = ? ORDER BY created_at, rowid`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: list files: %w", err)
	}
	defer rows.Close()
	out := []store.File{}
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list files: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list files: %w", err)
	}
	return out, nil
}
