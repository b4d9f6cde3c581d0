package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

const askCols = `id, session_id, ticket_id, technician, scopes, reason, state, allowed, via, created_at, answered_at`

func scanAsk(r scanner) (store.Ask, error) {
	var a store.Ask
	var scopes, allowed string
	var created int64
	var answered sql.NullInt64
	if err := r.Scan(&a.ID, &a.SessionID, &a.TicketID, &a.Technician, &scopes, &a.Reason, &a.State, &allowed, &a.Via, &created, &answered); err != nil {
		return a, err
	}
	var err error
	if a.Scopes, err = decodeStrings(scopes); err != nil {
		return a, err
	}
	if a.Allowed, err = decodeStrings(allowed); err != nil {
		return a, err
	}
	a.CreatedAt, a.AnsweredAt = fromNanos(created), fromOptNanos(answered)
	return a, nil
}

// CreateAsk stores a pending ask (a.State is set to AskPending, a.CreatedAt
// filled when zero).
func (s *Store) CreateAsk(ctx context.Context, a *store.Ask) error {
	if a.ID == "" {
		return fmt.Errorf("store: create ask: empty id")
	}
	created := s.orNow(a.CreatedAt)
	err := func() error {
		scopes, err := encodeStrings(a.Scopes)
		if err != nil {
			return err
		}
		cn, err := toNanos(created)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, `INSERT INTO asks (`+askCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, '[]', '', ?, NULL)`,
			a.ID, a.SessionID, a.TicketID, a.Technician, scopes, a.Reason, store.AskPending, cn)
		return mapErr(err)
	}()
	if err != nil {
		return fmt.Errorf("store: create ask %s: %w", a.ID, err)
	}
	a.State, a.CreatedAt, a.Allowed, a.Via, a.AnsweredAt = store.AskPending, created, []string{}, "", nil
	return nil
}

// Ask returns ask id, or ErrNotFound.
func (s *Store) Ask(ctx context.Context, id string) (*store.Ask, error) {
	a, err := scanAsk(s.db.QueryRowContext(ctx, `SELECT `+askCols+` FROM asks WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: ask %s: %w", id, mapErr(err))
	}
	return &a, nil
}

// ListAsks returns a session's asks, oldest first.
func (s *Store) ListAsks(ctx context.Context, sessionID string) ([]store.Ask, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+askCols+` FROM asks WHERE session_id = ? ORDER BY created_at, id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: list asks: %w", err)
	}
	defer rows.Close()
	out := []store.Ask{}
	for rows.Next() {
		a, err := scanAsk(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list asks: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list asks: %w", err)
	}
	return out, nil
}

// AnswerAsk records the user's decision on a pending ask, once: an ask that
// is not pending (answered, cancelled, unknown) is ErrConflict.
func (s *Store) AnswerAsk(ctx context.Context, id string, allowed []string, via string, at time.Time) error {
	err := func() error {
		al, err := encodeStrings(allowed)
		if err != nil {
			return err
		}
		an, err := toNanos(s.orNow(at))
		if err != nil {
			return err
		}
		res, err := s.exec(ctx, `UPDATE asks SET state = ?, allowed = ?, via = ?, answered_at = ? WHERE id = ? AND state = ?`,
			store.AskAnswered, al, via, an, id, store.AskPending)
		if err != nil {
			return mapErr(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrConflict
		}
		return nil
	}()
	if err != nil {
		return fmt.Errorf("store: answer ask %s: %w", id, err)
	}
	return nil
}

// CancelAsks marks a session's pending asks cancelled (its session ended).
func (s *Store) CancelAsks(ctx context.Context, sessionID string) error {
	if _, err := s.exec(ctx, `UPDATE asks SET state = ? WHERE session_id = ? AND state = ?`, store.AskCancelled, sessionID, store.AskPending); err != nil {
		return fmt.Errorf("store: cancel asks: %w", err)
	}
	return nil
}

// CancelAsk marks one pending ask cancelled (the client could not ask);
// an ask that is not pending is ErrConflict.
func (s *Store) CancelAsk(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `UPDATE asks SET state = ? WHERE id = ? AND state = ?`, store.AskCancelled, id, store.AskPending)
	if err != nil {
		return fmt.Errorf("store: cancel ask %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: cancel ask %s: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("store: cancel ask %s: %w", id, store.ErrConflict)
	}
	return nil
}
