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
	// ErrAlreadyRated: the session has a rating already.
	ErrAlreadyRated = errors.New("store: session already rated")
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
	ID          int64
	Title       string
	Description string
	Status      string
	Requester   string
	CreatedBy   string
	AssignedTo  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
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
	Hostname  string
	OS        string
	OSVersion string
	Arch      string
	User      string
}

// Session states.
const (
	SessionWaiting   = "waiting"
	SessionConnected = "connected"
	SessionEnded     = "ended"
)

// Session is one connection of a client to the gateway for a ticket.
type Session struct {
	ID            string
	TicketID      int64
	InviteCode    string
	Technician    string
	State         string
	Scopes        []string
	Granted       []string
	Host          HostInfo
	ClientVersion string
	RemoteAddr    string
	CreatedAt     time.Time
	ConnectedAt   *time.Time
	EndedAt       *time.Time
	EndReason     string
	// Owner is the id of the gateway instance that runs the session (see
	// the package doc); "" only for rows from before owners were recorded.
	Owner string
	// Consent says how the user gave consent (wire.ConsentWindow,
	// ConsentTerminal, ConsentFlag); "" for older clients.
	Consent string
	// Rating is the user's rating of the help, 1 to 5; 0: not rated.
	Rating        int
	RatingComment string
	RatedAt       *time.Time
}

// Chat senders.
const (
	SenderTechnician = "technician"
	SenderUser       = "user"
)

// ChatMessage is one line of a session's chat. Seq numbers the messages of
// a session from 1, in the order the gateway recorded them.
type ChatMessage struct {
	ID        string
	SessionID string
	TicketID  int64
	Seq       int64
	Sender    string // SenderTechnician or SenderUser
	Author    string // technician's user name, or the host's user
	Text      string
	At        time.Time
}

// Ask states.
const (
	AskPending   = "pending"
	AskAnswered  = "answered"
	AskCancelled = "cancelled"
)

// Ask is a technician's live request for more scopes in a session.
type Ask struct {
	ID         string
	SessionID  string
	TicketID   int64
	Technician string
	Scopes     []string
	Reason     string
	State      string
	Allowed    []string
	Via        string
	CreatedAt  time.Time
	AnsweredAt *time.Time
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
	ID        string
	TicketID  int64
	SessionID string
	Kind      string
	Actor     string
	Title     string
	State     string
	Key       string
	StartedAt time.Time
	EndedAt   *time.Time
	Size      int64
	SHA256    string
	Signature string
	// Owner is the id of the gateway instance that writes the recording.
	Owner string
}

// Report is a stored diagnostics report. Counts maps a result status
// (ok, warn, fail, error, skipped) to how many checks ended with it; Body is
// the full report JSON as returned to the technician.
type Report struct {
	ID         string
	TicketID   int64
	SessionID  string
	Actor      string
	Runbook    string
	CreatedAt  time.Time
	DurationMS int64
	Counts     map[string]int
	Body       json.RawMessage
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
// and BeforeSeq entries with seq < BeforeSeq (for paging). An Action
// ending in "." is a group: every action with that prefix ("chat."
// matches chat.message and chat.seal). Desc lists newest first. Limit 0
// means DefaultAuditLimit; it is capped at MaxAuditLimit.
type AuditFilter struct {
	TicketID  int64
	Actor     string
	Action    string
	Since     time.Time
	Until     time.Time
	AfterSeq  int64
	BeforeSeq int64
	Desc      bool
	Limit     int
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

// Note kinds.
const (
	NoteNote       = "note"       // a technician's note on the ticket
	NoteWorklog    = "worklog"    // work done, optionally with the minutes spent
	NoteEscalation = "escalation" // the note of an escalation (Recipient: to whom)
	NoteResolution = "resolution" // the note written when resolving the ticket
)

// ValidNoteKind reports whether k is a known note kind.
func ValidNoteKind(k string) bool {
	switch k {
	case NoteNote, NoteWorklog, NoteEscalation, NoteResolution:
		return true
	}
	return false
}

// Note is text a technician wrote on a ticket for whoever works on it next.
type Note struct {
	ID        string
	TicketID  int64
	Author    string
	Kind      string
	Body      string
	Minutes   *int // worklog time spent; nil when not given
	Recipient string
	CreatedAt time.Time
}

// File transfer directions and states.
const (
	FileCollected = "collect" // from the user's machine into the ticket
	FileSent      = "send"    // from the technician to the user's Downloads

	FileComplete = "complete" // hashes matched; collected: stored; sent: saved by the user
	FileRefused  = "refused"  // the user refused (sent: the upload stays stored)
	FileFailed   = "failed"   // stopped or failed (sent: the upload stays stored)
)

// File is one transfer of a file, stored with the ticket's recordings: the
// bytes live in the blob store under Key (a collected file only once
// complete; a sent file from its upload on).
type File struct {
	ID        string
	TicketID  int64
	SessionID string
	Direction string // FileCollected or FileSent
	Actor     string // the technician
	Name      string // collected: base name on the user's machine; sent: as uploaded
	Path      string // collected: the resolved path; sent: the final path in Downloads
	Size      int64
	SHA256    string
	State     string
	Error     string
	Key       string
	CreatedAt time.Time
}

// ValidFile reports whether f's direction and state are known.
func ValidFile(f *File) bool {
	return (f.Direction == FileCollected || f.Direction == FileSent) &&
		(f.State == FileComplete || f.State == FileRefused || f.State == FileFailed)
}
