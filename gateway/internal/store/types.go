package store

import (
	"encoding/json"
	"errors"
	"time"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound: no row has that key (or a referenced row does not exist).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a row with that unique key already exists.
	ErrConflict = errors.New("store: conflict")
	// ErrInviteUsed: the invite has already been redeemed.
	ErrInviteUsed = errors.New("store: invite already used")
	// ErrInviteExpired: the invite's expiry has passed.
	ErrInviteExpired = errors.New("store: invite expired")
)

// Role is what a user may do in the gateway.
type Role string

// The roles a user can hold.
const (
	RoleAdmin      Role = "admin"
	RoleTechnician Role = "technician"
	RoleAuditor    Role = "auditor"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleTechnician, RoleAuditor:
		return true
	}
	return false
}

// User is a person who signs in to the gateway.
type User struct {
	ID           int64     `json:"-"`
	Name         string    `json:"name"`
	DisplayName  string    `json:"display_name"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"-"`
	TOTPSecret   string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	// TokenVersion is the version every valid token of this user carries;
	// the store bumps it on security-relevant changes (see UpdateUser).
	TokenVersion int64 `json:"-"`
}

// Ticket statuses.
const (
	StatusOpen       = "open"
	StatusInProgress = "in_progress"
	StatusResolved   = "resolved"
	StatusClosed     = "closed"
)

// ValidStatus reports whether s is a known ticket status.
func ValidStatus(s string) bool {
	switch s {
	case StatusOpen, StatusInProgress, StatusResolved, StatusClosed:
		return true
	}
	return false
}

// Ticket is a support case; sessions, recordings and reports hang off it.
type Ticket struct {
	ID          int64     `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	Requester   string    `json:"requester"`
	CreatedBy   string    `json:"created_by"`
	AssignedTo  string    `json:"assigned_to"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Invite is a single-use code a technician gives an end user to join a ticket.
type Invite struct {
	Code      string     `json:"code"`
	TicketID  int64      `json:"ticket_id"`
	CreatedBy string     `json:"created_by"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
	SessionID string     `json:"session_id"`
}

// HostInfo describes the end user's machine as the client reported it.
type HostInfo struct {
	Hostname  string `json:"hostname"`
	OS        string `json:"os"`
	OSVersion string `json:"os_version"`
	Arch      string `json:"arch"`
	User      string `json:"user"`
}

// Session states.
const (
	SessionWaiting   = "waiting"
	SessionConnected = "connected"
	SessionEnded     = "ended"
)

// Session is one connection of a client to the gateway for a ticket.
type Session struct {
	ID            string     `json:"id"`
	TicketID      int64      `json:"ticket_id"`
	InviteCode    string     `json:"-"`
	Technician    string     `json:"technician"`
	State         string     `json:"state"`
	Scopes        []string   `json:"scopes"`
	Granted       []string   `json:"granted"`
	Host          HostInfo   `json:"host"`
	ClientVersion string     `json:"client_version"`
	RemoteAddr    string     `json:"remote_addr"`
	CreatedAt     time.Time  `json:"created_at"`
	ConnectedAt   *time.Time `json:"connected_at"`
	EndedAt       *time.Time `json:"ended_at"`
	EndReason     string     `json:"end_reason"`
	// Owner is the id of the gateway instance that runs the session (see
	// the package doc); "" only for rows from before owners were recorded.
	Owner string `json:"-"`
}

// Recording kinds and states.
const (
	KindTerminal = "terminal"
	KindScreen   = "screen"

	RecordingActive      = "recording"
	RecordingSealed      = "sealed"
	RecordingInterrupted = "interrupted"
)

// Recording is the metadata of one terminal or screen recording; the bytes
// live in the blob store under Key.
type Recording struct {
	ID        string     `json:"id"`
	TicketID  int64      `json:"ticket_id"`
	SessionID string     `json:"session_id"`
	Kind      string     `json:"kind"`
	Actor     string     `json:"actor"`
	Title     string     `json:"title"`
	State     string     `json:"state"`
	Key       string     `json:"-"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	Size      int64      `json:"size"`
	SHA256    string     `json:"sha256"`
	Signature string     `json:"signature"`
	// Owner is the id of the gateway instance that writes the recording.
	Owner string `json:"-"`
}

// Report is a stored diagnostics report. Counts maps a result status
// (ok, warn, fail, error, skipped) to how many checks ended with it; Body is
// the full report JSON as returned to the technician.
type Report struct {
	ID         string          `json:"id"`
	TicketID   int64           `json:"ticket_id"`
	SessionID  string          `json:"session_id"`
	Actor      string          `json:"actor"`
	Runbook    string          `json:"runbook"`
	CreatedAt  time.Time       `json:"created_at"`
	DurationMS int64           `json:"duration_ms"`
	Counts     map[string]int  `json:"counts"`
	Body       json.RawMessage `json:"body,omitempty"`
}

// AuditEntry is one link of the tamper-evident audit chain (see package
// audit for how Hash is computed). TicketID 0 means "no ticket".
type AuditEntry struct {
	Seq        int64           `json:"seq"`
	Time       time.Time       `json:"time"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	TicketID   int64           `json:"ticket_id"`
	SessionID  string          `json:"session_id"`
	RemoteAddr string          `json:"remote_addr"`
	Details    json.RawMessage `json:"details"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// TicketFilter selects tickets; zero fields do not filter. Query matches a
// substring of title, description or requester. Limit 0 means
// DefaultTicketLimit; it is capped at MaxTicketLimit.
type TicketFilter struct {
	Status     string
	Query      string
	AssignedTo string
	Limit      int
}

// AuditFilter selects audit entries; zero fields do not filter. Since is
// inclusive, Until exclusive; AfterSeq returns entries with seq > AfterSeq
// (for paging). Limit 0 means DefaultAuditLimit; it is capped at
// MaxAuditLimit.
type AuditFilter struct {
	TicketID int64
	Actor    string
	Action   string
	Since    time.Time
	Until    time.Time
	AfterSeq int64
	Limit    int
}

// List limits.
const (
	DefaultTicketLimit = 500
	MaxTicketLimit     = 5000
	DefaultAuditLimit  = 1000
	MaxAuditLimit      = 10000
)

// MFA is a user's second-factor state. Secrets never leave the gateway
// except once, at enrollment, to the user themself.
type MFA struct {
	// Secret is the active TOTP secret ("" when MFA is off).
	Secret string
	// Pending is a secret being enrolled, not yet confirmed.
	Pending string
	// LastStep is the last accepted TOTP time step (replay guard).
	LastStep int64
	// RecoveryLeft is how many unused recovery codes remain.
	RecoveryLeft int
}
