package api

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/rights"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// holdStore answers the two look-ups checkHold makes; the rest of Store
// is not used (calling it panics on the nil interface).
type holdStore struct {
	Store
	users   map[string]*store.User
	tickets map[int64]*store.Ticket
	err     error
}

func (s holdStore) UserByName(_ context.Context, name string) (*store.User, error) {
	if s.err != nil {
		return nil, s.err
	}
	u, ok := s.users[name]
	if !ok {
		return nil, store.ErrNotFound
	}
	return u, nil
}

func (s holdStore) Ticket(_ context.Context, id int64) (*store.Ticket, error) {
	t, ok := s.tickets[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return t, nil
}

func TestCheckHold(t *testing.T) {
	st := holdStore{
		users: map[string]*store.User{
			"tina":  {Name: "tina", Role: store.RoleTechnician, TokenVersion: 3},
			"ada":   {Name: "ada", Role: store.RoleAdmin, TokenVersion: 1},
			"gone":  {Name: "gone", Role: store.RoleTechnician, Disabled: true},
			"otto":  {Name: "otto", Role: store.RoleAuditor},
			"tom":   {Name: "tom", Role: store.RoleTechnician},
			"promo": {Name: "promo", Role: store.RoleAdmin},
		},
		tickets: map[int64]*store.Ticket{1: {ID: 1, AssignedTo: "tina"}, 2: {ID: 2, AssignedTo: "tom"}},
	}
	shell := string(auth.ActShellOpen)
	tests := []struct {
		name string
		h    rights.Hold
		want error
	}{
		{"assigned technician keeps the shell", rights.Hold{User: "tina", Role: "technician", Version: 3, Action: shell, TicketID: 1}, nil},
		{"signed in only", rights.Hold{User: "tina", Role: "technician", Version: 3}, nil},
		{"user deleted", rights.Hold{User: "nobody", Role: "technician", Action: shell, TicketID: 1}, rights.ErrDisabled},
		{"user disabled", rights.Hold{User: "gone", Role: "technician", Action: shell, TicketID: 1}, rights.ErrDisabled},
		{"signed out everywhere", rights.Hold{User: "tina", Role: "technician", Version: 2, Action: shell, TicketID: 1}, rights.ErrSignedOut},
		{"role changed", rights.Hold{User: "promo", Role: "technician", Action: shell, TicketID: 1}, rights.ErrRoleChanged},
		{"role cannot do it", rights.Hold{User: "otto", Role: "auditor", Action: shell, TicketID: 1}, rights.ErrRoleChanged},
		{"ticket handed to someone else", rights.Hold{User: "tina", Role: "technician", Version: 3, Action: shell, TicketID: 2}, rights.ErrReassigned},
		{"ticket deleted", rights.Hold{User: "tina", Role: "technician", Version: 3, Action: shell, TicketID: 9}, rights.ErrReassigned},
		{"admins act on any ticket", rights.Hold{User: "ada", Role: "admin", Version: 1, Action: shell, TicketID: 2}, nil},
		{"reading is not ticket-scoped", rights.Hold{User: "tina", Role: "technician", Version: 3, Action: string(auth.ActTicketRead), TicketID: 2}, nil},
	}
	a := &API{cfg: Config{Store: st, Log: slog.New(slog.DiscardHandler)}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := a.checkHold(context.Background(), tc.h); !errors.Is(got, tc.want) || (tc.want == nil && got != nil) {
				t.Errorf("checkHold(%+v) = %v, want %v", tc.h, got, tc.want)
			}
		})
	}
	t.Run("store failing: keep it, look again later", func(t *testing.T) {
		a := &API{cfg: Config{Store: holdStore{err: errors.New("database is locked")}, Log: slog.New(slog.DiscardHandler)}}
		if got := a.checkHold(context.Background(), rights.Hold{User: "tina", Role: "technician", Action: shell, TicketID: 1}); got != nil {
			t.Errorf("checkHold with a failing store = %v, want nil", got)
		}
	})
}

func TestMayReceive(t *testing.T) {
	tests := []struct {
		role, event string
		want        bool
	}{
		{"admin", "audit", true},
		{"auditor", "audit", true},
		{"technician", "audit", false},
		{"technician", "session", true},
		{"technician", "ticket", true},
		{"technician", "diag", true},
		{"technician", "report", true},
		{"technician", "recording", true},
		{"auditor", "recording", true},
		{"technician", "chat", true},
		{"auditor", "chat", true},
		{"auditor", "ask", true},
		{"stranger", "chat", false},
		{"admin", "no-such-event", false}, // fail closed
		{"stranger", "ticket", false},
	}
	for _, tc := range tests {
		if got := mayReceive(tc.role, tc.event); got != tc.want {
			t.Errorf("mayReceive(%q, %q) = %v, want %v", tc.role, tc.event, got, tc.want)
		}
	}
}
