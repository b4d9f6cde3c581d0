package api

import (
	"context"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// The API's persistence, split by what each part of it needs. Each small
// interface names the handlers that use it; Store, their union, is what
// Config takes, so a backend (or a test fake) implements one set of methods
// and the wiring in package server checks that at compile time. Nothing here
// names a backend.

// UserStore is what sign-in (middleware.go), user administration
// (users.go), token lifetimes (lifetime.go, session_auth.go) and the
// handlers that look up a technician need.
type UserStore interface {
	UserByName(ctx context.Context, name string) (*store.User, error)
	ListUsers(ctx context.Context) ([]store.User, error)
	CreateUser(ctx context.Context, u *store.User) error
	UpdateUser(ctx context.Context, u *store.User) error
	BumpTokenVersion(ctx context.Context, name string) (int64, error)
}

// TicketStore is what the ticket handlers (tickets.go), escalation
// (escalate.go) and the per-ticket access check (access.go) need.
type TicketStore interface {
	CreateTicket(ctx context.Context, t *store.Ticket) error
	Ticket(ctx context.Context, id int64) (*store.Ticket, error)
	ListTickets(ctx context.Context, f store.TicketFilter) ([]store.Ticket, error)
	UpdateTicket(ctx context.Context, t *store.Ticket) error
}

// InviteStore is what creating, listing and withdrawing invites needs
// (tickets.go, invites.go, sessions.go).
type InviteStore interface {
	CreateInvite(ctx context.Context, inv *store.Invite) error
	Invite(ctx context.Context, code string) (*store.Invite, error)
	ExpireInvite(ctx context.Context, code string, now time.Time) error
	ListInvites(ctx context.Context, ticketID int64) ([]store.Invite, error)
}

// SessionStore is what reading sessions needs (sessions.go, tickets.go,
// escalate.go, access.go); the broker writes them.
type SessionStore interface {
	Session(ctx context.Context, id string) (*store.Session, error)
	ListSessions(ctx context.Context, ticketID int64) ([]store.Session, error)
}

// RecordingStore is what the terminal and screen recordings need
// (recordings.go, screen_feed.go, tickets.go).
type RecordingStore interface {
	CreateRecording(ctx context.Context, r *store.Recording) error
	Recording(ctx context.Context, id string) (*store.Recording, error)
	ListRecordings(ctx context.Context, ticketID int64) ([]store.Recording, error)
	UpdateRecording(ctx context.Context, r *store.Recording) error
}

// ReportStore is what diagnostics reports need (diag.go, tickets.go).
type ReportStore interface {
	CreateReport(ctx context.Context, r *store.Report) error
	Report(ctx context.Context, id string) (*store.Report, error)
	ListReports(ctx context.Context, ticketID int64) ([]store.Report, error)
}

// AuditStore is what reading and verifying the audit log needs (audit.go);
// appending goes through the audit.Logger.
type AuditStore interface {
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
	AllAudit(ctx context.Context, fn func(store.AuditEntry) error) error
}

// Store is what the API needs from persistence: the union of the above.
// Config.Store must also implement SecurityStore (checked by New).
type Store interface {
	UserStore
	TicketStore
	InviteStore
	SessionStore
	RecordingStore
	ReportStore
	AuditStore
	ChatStore
	NoteStore
}

// now is the API's clock in UTC.
func (a *API) now() time.Time { return a.cfg.Clock().UTC() }
