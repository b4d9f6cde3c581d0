package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tetherhq/tether/gateway/internal/store"
)

const userCols = `id, name, display_name, role, password_hash, totp_secret, disabled, created_at, token_version`

func scanUser(r scanner) (store.User, error) {
	var u store.User
	var created int64
	err := r.Scan(&u.ID, &u.Name, &u.DisplayName, &u.Role, &u.PasswordHash, &u.TOTPSecret, &u.Disabled, &created, &u.TokenVersion)
	u.CreatedAt = fromNanos(created)
	return u, err
}

// CreateUser inserts u, filling u.ID and (when zero) u.CreatedAt. A
// duplicate name is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	if u.Name == "" {
		return fmt.Errorf("store: create user: empty name")
	}
	if !u.Role.Valid() {
		return fmt.Errorf("store: create user %q: invalid role %q", u.Name, u.Role)
	}
	created := s.orNow(u.CreatedAt)
	cn, err := toNanos(created)
	if err != nil {
		return fmt.Errorf("store: create user %q: %w", u.Name, err)
	}
	res, err := s.exec(ctx, `INSERT INTO users (name, display_name, role, password_hash, totp_secret, disabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.Name, u.DisplayName, string(u.Role), u.PasswordHash, u.TOTPSecret, u.Disabled, cn)
	if err != nil {
		return fmt.Errorf("store: create user %q: %w", u.Name, mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("store: create user %q: %w", u.Name, err)
	}
	u.ID, u.CreatedAt = id, created
	return nil
}

// UserByName returns the user called name, or ErrNotFound.
func (s *Store) UserByName(ctx context.Context, name string) (*store.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE name = ?`, name))
	if err != nil {
		return nil, fmt.Errorf("store: user %q: %w", name, mapErr(err))
	}
	return &u, nil
}

// ListUsers returns every user ordered by name.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	out := []store.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// UpdateUser stores u's role, display name, disabled flag, password hash and
// TOTP secret, keyed by u.Name. An unknown name is ErrNotFound. When the
// role, the disabled flag, the password or the second factor changes, the
// user's token version is bumped in the same statement, so every token
// issued before ends (u.TokenVersion is set to the stored version).
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	if !u.Role.Valid() {
		return fmt.Errorf("store: update user %q: invalid role %q", u.Name, u.Role)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET
			token_version = token_version + (role != ? OR disabled != ? OR password_hash != ? OR totp_secret != ?),
			role = ?, display_name = ?, disabled = ?, password_hash = ?, totp_secret = ?
			WHERE name = ?`,
			string(u.Role), u.Disabled, u.PasswordHash, u.TOTPSecret,
			string(u.Role), u.DisplayName, u.Disabled, u.PasswordHash, u.TOTPSecret, u.Name)
		if err != nil {
			return err
		}
		if err := affected(res); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT token_version FROM users WHERE name = ?`, u.Name).Scan(&u.TokenVersion)
	})
	if err != nil {
		return fmt.Errorf("store: update user %q: %w", u.Name, mapErr(err))
	}
	return nil
}

// BumpTokenVersion ends every token issued to the user so far (sign out
// everywhere) and returns the new version. An unknown name is ErrNotFound.
func (s *Store) BumpTokenVersion(ctx context.Context, name string) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `UPDATE users SET token_version = token_version + 1 WHERE name = ? RETURNING token_version`, name).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: bump token version of %q: %w", name, mapErr(err))
	}
	return v, nil
}

// CountUsers returns how many users exist (the gateway creates the first
// admin when it is 0).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}
