package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// UserMFA returns the MFA state of the user called name, or ErrNotFound.
func (s *Store) UserMFA(ctx context.Context, name string) (store.MFA, error) {
	var m store.MFA
	err := s.db.QueryRowContext(ctx, `SELECT totp_secret, totp_pending, totp_last_step,
		(SELECT COUNT(*) FROM recovery_codes WHERE user_name = users.name)
		FROM users WHERE name = ?`, name).Scan(&m.Secret, &m.Pending, &m.LastStep, &m.RecoveryLeft)
	if err != nil {
		return store.MFA{}, fmt.Errorf("store: mfa of %q: %w", name, mapErr(err))
	}
	return m, nil
}

// SetPendingTOTP stores a secret being enrolled (replacing any earlier one).
func (s *Store) SetPendingTOTP(ctx context.Context, name, secret string) error {
	res, err := s.exec(ctx, `UPDATE users SET totp_pending = ? WHERE name = ?`, secret, name)
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fmt.Errorf("store: set pending totp of %q: %w", name, mapErr(err))
	}
	return nil
}

// EnableTOTP makes the pending secret active, records step as used and
// replaces the user's recovery codes with hashes, in one transaction. It
// fails with ErrNotFound when the pending secret is no longer pending
// (enrolled again meanwhile). Every earlier token of the user ends (token
// version bumped).
func (s *Store) EnableTOTP(ctx context.Context, name, pending string, step int64, recoveryHashes []string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_last_step = ?,
			token_version = token_version + 1 WHERE name = ? AND totp_pending = ? AND totp_pending != ''`, step, name, pending)
		if err != nil {
			return err
		}
		if err := affected(res); err != nil {
			return err
		}
		return replaceRecovery(ctx, tx, name, recoveryHashes)
	})
	if err != nil {
		return fmt.Errorf("store: enable totp of %q: %w", name, mapErr(err))
	}
	return nil
}

// DisableTOTP turns MFA off: secrets cleared, recovery codes deleted; when
// MFA was on, every earlier token of the user ends (token version bumped).
func (s *Store) DisableTOTP(ctx context.Context, name string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = '', totp_pending = '', totp_last_step = 0,
			token_version = token_version + (totp_secret != '') WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if err := affected(res); err != nil {
			return err
		}
		return replaceRecovery(ctx, tx, name, nil)
	})
	if err != nil {
		return fmt.Errorf("store: disable totp of %q: %w", name, mapErr(err))
	}
	return nil
}

func replaceRecovery(ctx context.Context, tx *sql.Tx, name string, hashes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_name = ?`, name); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_name, code_hash) VALUES (?, ?)`, name, h); err != nil {
			return err
		}
	}
	return nil
}

// UseTOTPStep records step as the user's last accepted TOTP step if it is
// later than the one stored. It reports false when step was already used
// (or an earlier one): the code is a replay. Atomic across gateways sharing
// the database.
func (s *Store) UseTOTPStep(ctx context.Context, name string, step int64) (bool, error) {
	res, err := s.exec(ctx, `UPDATE users SET totp_last_step = ? WHERE name = ? AND totp_last_step < ?`, step, name, step)
	if err != nil {
		return false, fmt.Errorf("store: use totp step of %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: use totp step of %q: %w", name, err)
	}
	return n == 1, nil
}

// RecoveryHashes returns the user's unused recovery code hashes.
func (s *Store) RecoveryHashes(ctx context.Context, name string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT code_hash FROM recovery_codes WHERE user_name = ? ORDER BY code_hash`, name)
	if err != nil {
		return nil, fmt.Errorf("store: recovery codes of %q: %w", name, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("store: recovery codes of %q: %w", name, err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recovery codes of %q: %w", name, err)
	}
	return out, nil
}

// UseRecoveryCode deletes one recovery code hash. It reports false when the
// hash was not there (already used, concurrently or before).
func (s *Store) UseRecoveryCode(ctx context.Context, name, hash string) (bool, error) {
	res, err := s.exec(ctx, `DELETE FROM recovery_codes WHERE user_name = ? AND code_hash = ?`, name, hash)
	if err != nil {
		return false, fmt.Errorf("store: use recovery code of %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: use recovery code of %q: %w", name, err)
	}
	return n == 1, nil
}

// SetSessionTechnician hands a session's row to another technician
// (escalation). An unknown id is ErrNotFound.
func (s *Store) SetSessionTechnician(ctx context.Context, id, technician string) error {
	res, err := s.exec(ctx, `UPDATE sessions SET technician = ? WHERE id = ?`, technician, id)
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fmt.Errorf("store: set technician of session %s: %w", id, mapErr(err))
	}
	return nil
}

// ConnectedSessions returns every session in state connected (the policy
// watcher checks their age and idleness).
func (s *Store) ConnectedSessions(ctx context.Context) ([]store.Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE state = ? ORDER BY created_at`, store.SessionConnected)
	if err != nil {
		return nil, fmt.Errorf("store: connected sessions: %w", err)
	}
	defer rows.Close()
	out := []store.Session{}
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("store: connected sessions: %w", err)
		}
		out = append(out, ss)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: connected sessions: %w", err)
	}
	return out, nil
}
