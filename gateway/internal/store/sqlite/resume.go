package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// SetSessionResume stores the SHA-256 (hex) of a session's resume token
// (the broker may keep two, space-separated, while a rotation is not yet
// confirmed); "" makes the session not resumable. Tokens themselves are
// never stored.
func (s *Store) SetSessionResume(ctx context.Context, id, hash string) error {
	res, err := s.exec(ctx, `UPDATE sessions SET resume_hash = ? WHERE id = ?`, hash, id)
	if err != nil {
		return fmt.Errorf("store: set session resume %s: %w", id, mapErr(err))
	}
	if err := affected(res); err != nil {
		return fmt.Errorf("store: set session resume %s: %w", id, err)
	}
	return nil
}

// SwapSessionResume replaces a session's stored resume hash with next, but
// only while it still holds exactly prev: a compare-and-swap, so that two
// resumes presenting the same token cannot both win, and a confirmation
// never overwrites a newer rotation. It returns ErrConflict when the stored
// value has changed (or the session is unknown).
func (s *Store) SwapSessionResume(ctx context.Context, id, prev, next string) error {
	res, err := s.exec(ctx, `UPDATE sessions SET resume_hash = ? WHERE id = ? AND resume_hash = ?`, next, id, prev)
	if err != nil {
		return fmt.Errorf("store: swap session resume %s: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: swap session resume %s: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("store: swap session resume %s: %w", id, store.ErrConflict)
	}
	return nil
}

// SessionResumeHash returns the stored resume token hash of a session.
func (s *Store) SessionResumeHash(ctx context.Context, id string) (string, error) {
	var h string
	if err := s.db.QueryRowContext(ctx, `SELECT resume_hash FROM sessions WHERE id = ?`, id).Scan(&h); err != nil {
		return "", fmt.Errorf("store: session resume %s: %w", id, mapErr(err))
	}
	return h, nil
}

// SuspendOpenSessions is called at gateway start with the gateway's own
// instance id: owner's connected sessions that can be resumed become
// waiting (for their client to reconnect) with reason; every other open
// session of owner is ended with endReason. Other instances' sessions are
// left alone. It returns the ids of the suspended sessions.
func (s *Store) SuspendOpenSessions(ctx context.Context, owner, reason, endReason string, at time.Time) ([]string, error) {
	an, err := toNanos(at)
	if err != nil {
		return nil, fmt.Errorf("store: suspend open sessions: %w", err)
	}
	if _, err := s.exec(ctx, `UPDATE sessions SET state = ?, ended_at = ?, end_reason = ?
		WHERE state <> ? AND resume_hash = '' AND owner = ?`, store.SessionEnded, an, endReason, store.SessionEnded, owner); err != nil {
		return nil, fmt.Errorf("store: suspend open sessions: %w", err)
	}
	if _, err := s.exec(ctx, `UPDATE sessions SET state = ?, end_reason = ? WHERE state <> ? AND resume_hash <> '' AND owner = ?`,
		store.SessionWaiting, reason, store.SessionEnded, owner); err != nil {
		return nil, fmt.Errorf("store: suspend open sessions: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM sessions WHERE state = ? AND resume_hash <> '' AND owner = ?`, store.SessionWaiting, owner)
	if err != nil {
		return nil, fmt.Errorf("store: suspend open sessions: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: suspend open sessions: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
