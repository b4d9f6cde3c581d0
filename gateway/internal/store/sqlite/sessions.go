package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tetherhq/tether/gateway/internal/store"
)

const sessionCols = `id, ticket_id, invite_code, technician, state, scopes, granted,
	host_hostname, host_os, host_os_version, host_arch, host_user,
	client_version, remote_addr, created_at, connected_at, ended_at, end_reason, owner,
	consent, rating, rating_comment, rated_at`

func validSessionState(s string) bool {
	return s == store.SessionWaiting || s == store.SessionConnected || s == store.SessionEnded
}

func scanSession(r scanner) (store.Session, error) {
	var ss store.Session
	var scopes, granted string
	var created int64
	var connected, ended, rated sql.NullInt64
	if err := r.Scan(&ss.ID, &ss.TicketID, &ss.InviteCode, &ss.Technician, &ss.State, &scopes, &granted,
		&ss.Host.Hostname, &ss.Host.OS, &ss.Host.OSVersion, &ss.Host.Arch, &ss.Host.User,
		&ss.ClientVersion, &ss.RemoteAddr, &created, &connected, &ended, &ss.EndReason, &ss.Owner,
		&ss.Consent, &ss.Rating, &ss.RatingComment, &rated); err != nil {
		return ss, err
	}
	var err error
	if ss.Scopes, err = decodeStrings(scopes); err != nil {
		return ss, err
	}
	if ss.Granted, err = decodeStrings(granted); err != nil {
		return ss, err
	}
	ss.CreatedAt, ss.ConnectedAt, ss.EndedAt = fromNanos(created), fromOptNanos(connected), fromOptNanos(ended)
	ss.RatedAt = fromOptNanos(rated)
	return ss, nil
}

// CreateSession inserts ss (ID chosen by the caller, see NewID), filling
// ss.CreatedAt when zero, ss.State (SessionWaiting) when empty and ss.Owner
// (the store's instance, see WithOwner) when empty.
func (s *Store) CreateSession(ctx context.Context, ss *store.Session) error {
	if ss.ID == "" {
		return fmt.Errorf("store: create session: empty id")
	}
	if ss.State == "" {
		ss.State = store.SessionWaiting
	}
	if !validSessionState(ss.State) {
		return fmt.Errorf("store: create session %s: invalid state %q", ss.ID, ss.State)
	}
	created := s.orNow(ss.CreatedAt)
	owner := ss.Owner
	if owner == "" {
		owner = s.owner
	}
	err := func() error {
		scopes, err := encodeStrings(ss.Scopes)
		if err != nil {
			return err
		}
		granted, err := encodeStrings(ss.Granted)
		if err != nil {
			return err
		}
		cn, err := toNanos(created)
		if err != nil {
			return err
		}
		connected, err := optNanos(ss.ConnectedAt)
		if err != nil {
			return err
		}
		ended, err := optNanos(ss.EndedAt)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, `INSERT INTO sessions (`+sessionCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', NULL)`,
			ss.ID, ss.TicketID, ss.InviteCode, ss.Technician, ss.State, scopes, granted,
			ss.Host.Hostname, ss.Host.OS, ss.Host.OSVersion, ss.Host.Arch, ss.Host.User,
			ss.ClientVersion, ss.RemoteAddr, cn, connected, ended, ss.EndReason, owner, ss.Consent)
		return mapErr(err)
	}()
	if err != nil {
		return fmt.Errorf("store: create session %s: %w", ss.ID, err)
	}
	ss.CreatedAt, ss.Owner = created, owner
	return nil
}

// Session returns session id, or ErrNotFound.
func (s *Store) Session(ctx context.Context, id string) (*store.Session, error) {
	ss, err := scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: session %s: %w", id, mapErr(err))
	}
	return &ss, nil
}

// ListSessions returns a ticket's sessions, oldest first.
func (s *Store) ListSessions(ctx context.Context, ticketID int64) ([]store.Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE ticket_id = ?
		ORDER BY created_at, id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	defer rows.Close()
	out := []store.Session{}
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list sessions: %w", err)
		}
		out = append(out, ss)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	return out, nil
}

// UpdateSession stores ss's state, granted scopes, connected/ended times and
// end reason. An unknown id is ErrNotFound.
func (s *Store) UpdateSession(ctx context.Context, ss *store.Session) error {
	if !validSessionState(ss.State) {
		return fmt.Errorf("store: update session %s: invalid state %q", ss.ID, ss.State)
	}
	err := func() error {
		granted, err := encodeStrings(ss.Granted)
		if err != nil {
			return err
		}
		connected, err := optNanos(ss.ConnectedAt)
		if err != nil {
			return err
		}
		ended, err := optNanos(ss.EndedAt)
		if err != nil {
			return err
		}
		res, err := s.exec(ctx, `UPDATE sessions SET state = ?, granted = ?, connected_at = ?, ended_at = ?, end_reason = ?
			WHERE id = ?`, ss.State, granted, connected, ended, ss.EndReason, ss.ID)
		if err != nil {
			return mapErr(err)
		}
		return affected(res)
	}()
	if err != nil {
		return fmt.Errorf("store: update session %s: %w", ss.ID, err)
	}
	return nil
}

// OpenSessions returns every session that is waiting or connected, on any
// ticket, oldest first (the "Live now" board lists them).
func (s *Store) OpenSessions(ctx context.Context) ([]store.Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE state IN (?, ?)
		ORDER BY created_at, id`, store.SessionWaiting, store.SessionConnected)
	if err != nil {
		return nil, fmt.Errorf("store: open sessions: %w", err)
	}
	defer rows.Close()
	out := []store.Session{}
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("store: open sessions: %w", err)
		}
		out = append(out, ss)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: open sessions: %w", err)
	}
	return out, nil
}
