package api

import (
	"context"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// Store is what the API needs from persistence. Every store backend
// implements it (the gateway wiring in package server checks that at
// compile time).
type Store interface {
	UserByName(ctx context.Context, name string) (*store.User, error)
	ListUsers(ctx context.Context) ([]store.User, error)
	CreateUser(ctx context.Context, u *store.User) error
	UpdateUser(ctx context.Context, u *store.User) error
	BumpTokenVersion(ctx context.Context, name string) (int64, error)

	CreateTicket(ctx context.Context, t *store.Ticket) error
	Ticket(ctx context.Context, id int64) (*store.Ticket, error)
	ListTickets(ctx context.Context, f store.TicketFilter) ([]store.Ticket, error)
	UpdateTicket(ctx context.Context, t *store.Ticket) error

	CreateInvite(ctx context.Context, inv *store.Invite) error
	Invite(ctx context.Context, code string) (*store.Invite, error)
	ExpireInvite(ctx context.Context, code string, now time.Time) error
	ListInvites(ctx context.Context, ticketID int64) ([]store.Invite, error)

	Session(ctx context.Context, id string) (*store.Session, error)
	ListSessions(ctx context.Context, ticketID int64) ([]store.Session, error)

	CreateRecording(ctx context.Context, r *store.Recording) error
	Recording(ctx context.Context, id string) (*store.Recording, error)
	ListRecordings(ctx context.Context, ticketID int64) ([]store.Recording, error)
	UpdateRecording(ctx context.Context, r *store.Recording) error

	CreateReport(ctx context.Context, r *store.Report) error
	Report(ctx context.Context, id string) (*store.Report, error)
	ListReports(ctx context.Context, ticketID int64) ([]store.Report, error)

	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
	AllAudit(ctx context.Context, fn func(store.AuditEntry) error) error
}

// now is the API's clock in UTC.
func (a *API) now() time.Time { return a.cfg.Clock().UTC() }
