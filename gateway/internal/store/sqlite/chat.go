package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// AddChat stores one chat message of a session, numbering it after the
// session's last one (m.Seq is set) and filling m.At when zero. An unknown
// session is ErrNotFound, a duplicate id ErrConflict.
func (s *Store) AddChat(ctx context.Context, m *store.ChatMessage) error {
	if m.ID == "" || (m.Sender != store.SenderTechnician && m.Sender != store.SenderUser) {
		return fmt.Errorf("store: add chat: missing id or bad sender %q", m.Sender)
	}
	at := s.orNow(m.At)
	an, err := toNanos(at)
	if err != nil {
		return fmt.Errorf("store: add chat: %w", err)
	}
	var seq int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM chat_messages WHERE session_id = ?`, m.SessionID).Scan(&seq); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO chat_messages (id, session_id, ticket_id, seq, sender, author, text, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.SessionID, m.TicketID, seq, m.Sender, m.Author, m.Text, an)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: add chat: %w", mapErr(err))
	}
	m.Seq, m.At = seq, at
	return nil
}

// ListChat returns a session's chat messages in order (Seq ascending).
func (s *Store) ListChat(ctx context.Context, sessionID string) ([]store.ChatMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, session_id, ticket_id, seq, sender, author, text, at
		FROM chat_messages WHERE session_id = ? ORDER BY seq`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: list chat: %w", err)
	}
	defer rows.Close()
	out := []store.ChatMessage{}
	for rows.Next() {
		var m store.ChatMessage
		var at int64
		if err := rows.Scan(&m.ID, &m.SessionID, &m.TicketID, &m.Seq, &m.Sender, &m.Author, &m.Text, &at); err != nil {
			return nil, fmt.Errorf("store: list chat: %w", err)
		}
		m.At = fromNanos(at)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list chat: %w", err)
	}
	return out, nil
}

// SetSessionFeedback stores the SHA-256 (hex) of a session's feedback
// token; the token itself is never stored.
func (s *Store) SetSessionFeedback(ctx context.Context, id, hash string) error {
	res, err := s.exec(ctx, `UPDATE sessions SET feedback_hash = ? WHERE id = ?`, hash, id)
	if err != nil {
		return fmt.Errorf("store: set session feedback %s: %w", id, mapErr(err))
	}
	if err := affected(res); err != nil {
		return fmt.Errorf("store: set session feedback %s: %w", id, err)
	}
	return nil
}

// SessionFeedbackHash returns the stored feedback token hash of a session.
func (s *Store) SessionFeedbackHash(ctx context.Context, id string) (string, error) {
	var h string
	if err := s.db.QueryRowContext(ctx, `SELECT feedback_hash FROM sessions WHERE id = ?`, id).Scan(&h); err != nil {
		return "", fmt.Errorf("store: session feedback %s: %w", id, mapErr(err))
	}
	return h, nil
}

// RateSession stores the user's rating (1 to 5) and comment, once: a
// session rated already is ErrAlreadyRated, an unknown one ErrNotFound.
func (s *Store) RateSession(ctx context.Context, id string, rating int, comment string, at time.Time) error {
	if rating < 1 || rating > 5 {
		return fmt.Errorf("store: rate session %s: rating %d out of range", id, rating)
	}
	an, err := toNanos(s.orNow(at))
	if err != nil {
		return fmt.Errorf("store: rate session %s: %w", id, err)
	}
	res, err := s.exec(ctx, `UPDATE sessions SET rating = ?, rating_comment = ?, rated_at = ? WHERE id = ? AND rating = 0`, rating, comment, an, id)
	if err != nil {
		return fmt.Errorf("store: rate session %s: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: rate session %s: %w", id, err)
	} else if n == 0 {
		if _, err := s.Session(ctx, id); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("store: rate session %s: %w", id, store.ErrNotFound)
		}
		return fmt.Errorf("store: rate session %s: %w", id, store.ErrAlreadyRated)
	}
	return nil
}
