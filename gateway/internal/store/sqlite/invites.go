package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

const inviteCols = `code, ticket_id, created_by, scopes, created_at, expires_at, used_at, session_id`

// encodeStrings stores a list as JSON text; nil becomes "[]".
func encodeStrings(v []string) (string, error) {
	if v == nil {
		v = []string{}
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// decodeStrings reads a JSON list; it never returns nil on success.
func decodeStrings(s string) ([]string, error) {
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode list: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

func scanInvite(r scanner) (store.Invite, error) {
	var in store.Invite
	var scopes string
	var created, expires int64
	var used sql.NullInt64
	if err := r.Scan(&in.Code, &in.TicketID, &in.CreatedBy, &scopes, &created, &expires, &used, &in.SessionID); err != nil {
		return in, err
	}
	var err error
	in.Scopes, err = decodeStrings(scopes)
	in.CreatedAt, in.ExpiresAt, in.UsedAt = fromNanos(created), fromNanos(expires), fromOptNanos(used)
	return in, err
}

// CreateInvite inserts in, filling in.CreatedAt when zero. ExpiresAt is
// required. A duplicate code is ErrConflict; an unknown ticket ErrNotFound.
func (s *Store) CreateInvite(ctx context.Context, in *store.Invite) error {
	if in.Code == "" {
		return fmt.Errorf("store: create invite: empty code")
	}
	if in.ExpiresAt.IsZero() {
		return fmt.Errorf("store: create invite: no expiry")
	}
	created := s.orNow(in.CreatedAt)
	scopes, err := encodeStrings(in.Scopes)
	if err != nil {
		return fmt.Errorf("store: create invite: %w", err)
	}
	cn, err := toNanos(created)
	if err != nil {
		return fmt.Errorf("store: create invite: %w", err)
	}
	en, err := toNanos(in.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: create invite: %w", err)
	}
	used, err := optNanos(in.UsedAt)
	if err != nil {
		return fmt.Errorf("store: create invite: %w", err)
	}
	if _, err := s.exec(ctx, `INSERT INTO invites (`+inviteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		in.Code, in.TicketID, in.CreatedBy, scopes, cn, en, used, in.SessionID); err != nil {
		return fmt.Errorf("store: create invite: %w", mapErr(err))
	}
	in.CreatedAt = created
	in.ExpiresAt = in.ExpiresAt.UTC()
	return nil
}

// Invite returns the invite with that code, or ErrNotFound.
func (s *Store) Invite(ctx context.Context, code string) (*store.Invite, error) {
	in, err := scanInvite(s.db.QueryRowContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE code = ?`, code))
	if err != nil {
		return nil, fmt.Errorf("store: invite: %w", mapErr(err))
	}
	return &in, nil
}

// ListInvites returns a ticket's invites, oldest first.
func (s *Store) ListInvites(ctx context.Context, ticketID int64) ([]store.Invite, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE ticket_id = ?
		ORDER BY created_at, code`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: list invites: %w", err)
	}
	defer rows.Close()
	out := []store.Invite{}
	for rows.Next() {
		in, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list invites: %w", err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list invites: %w", err)
	}
	return out, nil
}

// UseInvite burns the invite atomically: one UPDATE succeeds only while the
// invite is unused and unexpired at now, so of any number of concurrent
// callers exactly one gets the invite back (with UsedAt and SessionID set).
// The others get ErrInviteUsed; an expired invite is ErrInviteExpired and an
// unknown code ErrNotFound.
func (s *Store) UseInvite(ctx context.Context, code string, now time.Time, sessionID string) (*store.Invite, error) {
	nn, err := toNanos(now)
	if err != nil {
		return nil, fmt.Errorf("store: use invite: %w", err)
	}
	s.wmu.Lock()
	in, err := scanInvite(s.db.QueryRowContext(ctx, `UPDATE invites SET used_at = ?, session_id = ?
		WHERE code = ? AND used_at IS NULL AND expires_at > ?
		RETURNING `+inviteCols, nn, sessionID, code, nn))
	s.wmu.Unlock()
	if err == nil {
		return &in, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: use invite: %w", mapErr(err))
	}
	// Nothing changed: say why. Once used or expired an invite never becomes
	// usable again, so this read cannot contradict the failed update.
	cur, err := s.Invite(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("store: use invite: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if cur.UsedAt != nil {
		return nil, fmt.Errorf("store: use invite: %w", store.ErrInviteUsed)
	}
	return nil, fmt.Errorf("store: use invite: %w", store.ErrInviteExpired)
}

// ExpireInvite ends an unused invite now (a technician withdrew it). It
// returns ErrInviteUsed when the invite was already used.
func (s *Store) ExpireInvite(ctx context.Context, code string, now time.Time) error {
	n, err := toNanos(now)
	if err != nil {
		return fmt.Errorf("store: expire invite: %w", err)
	}
	res, err := s.exec(ctx, `UPDATE invites SET expires_at = ? WHERE code = ? AND used_at IS NULL AND expires_at > ?`, n, code, n)
	if err != nil {
		return fmt.Errorf("store: expire invite: %w", mapErr(err))
	}
	if affected(res) == nil {
		return nil
	}
	inv, err := s.Invite(ctx, code)
	if err != nil {
		return err
	}
	if inv.UsedAt != nil {
		return fmt.Errorf("store: expire invite: %w", store.ErrInviteUsed)
	}
	return nil // already expired
}
