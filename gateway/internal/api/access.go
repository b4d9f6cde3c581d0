package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// MFAStore is what second factors need: enrollment and the sign-in check
// (mfa.go) and an admin resetting a user's MFA (users.go).
type MFAStore interface {
	UserMFA(ctx context.Context, name string) (store.MFA, error)
	SetPendingTOTP(ctx context.Context, name, secret string) error
	EnableTOTP(ctx context.Context, name, pending string, step int64, recoveryHashes []string) error
	DisableTOTP(ctx context.Context, name string) error
	UseTOTPStep(ctx context.Context, name string, step int64) (bool, error)
	RecoveryHashes(ctx context.Context, name string) ([]string, error)
	UseRecoveryCode(ctx context.Context, name, hash string) (bool, error)
}

// HandOverStore is what handing a live session to another technician needs
// (escalate.go).
type HandOverStore interface {
	SetSessionTechnician(ctx context.Context, id, technician string) error
}

// PolicyStore is what the session policy (idle and maximum length) needs
// to find the sessions it watches (policy.go).
type PolicyStore interface {
	ConnectedSessions(ctx context.Context) ([]store.Session, error)
}

// SecurityStore is what the API needs from persistence for second factors,
// hand-over and the session policy: the union of the above. Every store
// backend implements it.
type SecurityStore interface {
	MFAStore
	HandOverStore
	PolicyStore
}

// ticketScoped are the actions a technician may take only on tickets
// assigned to them. Reading is not among them: at a help desk everyone may
// read every ticket (see docs/security.md). Admins may act on any ticket;
// auditors on none (auth.Can refuses them first).
var ticketScoped = map[auth.Action]bool{
	auth.ActTicketUpdate:  true,
	auth.ActInviteCreate:  true,
	auth.ActShellOpen:     true,
	auth.ActDiagRun:       true,
	auth.ActScreenView:    true,
	auth.ActScreenControl: true,
	auth.ActSessionEnd:    true,
}

// mayActOnTicket finds the ticket a request acts on, from the route's {id}
// (a ticket under /tickets/{id}, a session under /sessions/{id}), and
// answers 403 unless the signed-in user may act on it. A path that names no
// existing ticket is let through: the handler answers 400 or 404 itself.
func (a *API) mayActOnTicket(w http.ResponseWriter, r *http.Request, act auth.Action) bool {
	p := who(r)
	if p.Role == store.RoleAdmin {
		return true
	}
	var ticketID int64
	switch {
	case strings.Contains(r.Pattern, "/tickets/{id}"):
		id, err := pathInt(r, "id")
		if err != nil {
			return true
		}
		ticketID = id
	case strings.Contains(r.Pattern, "/sessions/{id}"):
		id := r.PathValue("id")
		if !validID(id) {
			return true
		}
		s, err := a.cfg.Store.Session(r.Context(), id)
		if err != nil {
			return true
		}
		ticketID = s.TicketID
	default:
		return true
	}
	t, err := a.cfg.Store.Ticket(r.Context(), ticketID)
	if errors.Is(err, store.ErrNotFound) {
		return true
	}
	if err != nil {
		a.internal(w, r, "load ticket", err)
		return false
	}
	switch {
	case t.AssignedTo == p.Name:
		return true
	case t.AssignedTo == "" && act == auth.ActTicketUpdate:
		return true // taking an unassigned ticket; updateTicket checks the rest
	}
	msg := "this ticket is assigned to " + t.AssignedTo
	if t.AssignedTo == "" {
		msg = "this ticket is not assigned to anyone; take it first"
	}
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionAccessDenied, TicketID: t.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"action": string(act), "assigned_to": t.AssignedTo, "path": r.URL.Path}})
	assignee := t.AssignedTo
	writeJSON(w, http.StatusForbidden, errorJSON{Error: msg, Code: codeNotAssigned, AssignedTo: &assignee})
	return false
}

// mfaRequired reports whether p must enroll a second factor before using the API.
func (a *API) mfaRequired(p principal) bool {
	return !p.MFA && a.cfg.RequireMFA[string(p.Role)]
}

// mfaExempt are the paths a user who must enroll MFA may still use.
func mfaExempt(path string) bool {
	return path == "/api/v1/me" || path == "/api/v1/logout" || strings.HasPrefix(path, "/api/v1/me/mfa")
}
