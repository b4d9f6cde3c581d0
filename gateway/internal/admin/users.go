package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// UserRow is one line of "user list".
type UserRow struct {
	Name     string
	Role     store.Role
	Disabled bool
	MFA      bool
	// LastLogin is the time of the user's newest login.ok audit entry (zero
	// when the log holds none).
	LastLogin time.Time
}

// ListUsers lists the data directory's users, with their last sign-in as
// the audit log knows it.
func ListUsers(ctx context.Context, dataDir string) ([]UserRow, error) {
	st, err := openExisting(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	us, err := st.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	last := map[string]time.Time{}
	err = st.AllAudit(ctx, func(e store.AuditEntry) error {
		if e.Action == audit.ActionLoginOK && e.Time.After(last[e.Actor]) {
			last[e.Actor] = e.Time
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read sign-ins from the audit log: %w", err)
	}
	out := make([]UserRow, 0, len(us))
	for _, u := range us {
		out = append(out, UserRow{Name: u.Name, Role: u.Role, Disabled: u.Disabled, MFA: u.TOTPSecret != "", LastLogin: last[u.Name]})
	}
	return out, nil
}

// ResetPassword sets a user's password. Every token of the user ends (the
// store bumps the token version when the hash changes); a running gateway
// closes what they hold open at its next rights sweep. It is audited as
// user.password.reset by "cli".
func ResetPassword(ctx context.Context, dataDir, name, password string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if err := auth.ValidatePassword(password); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "auth: "))
	}
	st, err := openExisting(ctx, dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user named %q", name)
	}
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	al, err := audit.New(audit.Config{Store: st})
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	if err := st.UpdateUser(ctx, u); err != nil {
		return err
	}
	return al.Record(ctx, audit.Event{Actor: "cli", Action: audit.ActionPasswordReset, Details: map[string]any{"user": name, "sign_ins": "ended"}})
}

// GeneratePassword returns a random password of 20 letters and digits in
// groups of five (about 116 bits).
func GeneratePassword() (string, error) {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var sb strings.Builder
	for i := 0; i < 20; i++ {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		sb.WriteByte(alphabet[n.Int64()])
	}
	return sb.String(), nil
}
