// Package storetest is the conformance suite every store backend must pass.
//
// The gateway's parts (api, broker, audit, crash recovery, the offline
// commands) each declare the small interface they need over the row types
// of package store; Store below is their union, the whole surface a backend
// implements. Run exercises every method of it against fresh, empty stores
// from the backend's factory: round trips of every field (including text
// that breaks naive SQL or LIKE handling), the sentinel errors, filters and
// limits, single use of an invite under concurrency (the invite race), the
// audit hash chain under concurrent appends from two handles, token
// versions, MFA, resumption, ownership of sessions and recordings by a
// gateway instance, and the schema version a fresh store reports.
//
// A backend's own test calls it:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Backend{New: newTestStore, Reopen: reopenTestStore})
//	}
//
// What is a backend's alone (files on disk, pragmas, connection settings)
// stays in the backend's package.
package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// Store is every method a backend provides.
type Store interface {
	// users
	CreateUser(ctx context.Context, u *store.User) error
	UserByName(ctx context.Context, name string) (*store.User, error)
	ListUsers(ctx context.Context) ([]store.User, error)
	UpdateUser(ctx context.Context, u *store.User) error
	BumpTokenVersion(ctx context.Context, name string) (int64, error)
	CountUsers(ctx context.Context) (int, error)

	// second factors
	UserMFA(ctx context.Context, name string) (store.MFA, error)
	SetPendingTOTP(ctx context.Context, name, secret string) error
	EnableTOTP(ctx context.Context, name, pending string, step int64, recoveryHashes []string) error
	DisableTOTP(ctx context.Context, name string) error
	UseTOTPStep(ctx context.Context, name string, step int64) (bool, error)
	RecoveryHashes(ctx context.Context, name string) ([]string, error)
	UseRecoveryCode(ctx context.Context, name, hash string) (bool, error)

	// tickets
	CreateTicket(ctx context.Context, t *store.Ticket) error
	Ticket(ctx context.Context, id int64) (*store.Ticket, error)
	ListTickets(ctx context.Context, f store.TicketFilter) ([]store.Ticket, error)
	UpdateTicket(ctx context.Context, t *store.Ticket) error

	// invites
	CreateInvite(ctx context.Context, inv *store.Invite) error
	Invite(ctx context.Context, code string) (*store.Invite, error)
	ListInvites(ctx context.Context, ticketID int64) ([]store.Invite, error)
	UseInvite(ctx context.Context, code string, now time.Time, sessionID string) (*store.Invite, error)
	ExpireInvite(ctx context.Context, code string, now time.Time) error

	// sessions
	CreateSession(ctx context.Context, s *store.Session) error
	Session(ctx context.Context, id string) (*store.Session, error)
	ListSessions(ctx context.Context, ticketID int64) ([]store.Session, error)
	UpdateSession(ctx context.Context, s *store.Session) error
	SetSessionTechnician(ctx context.Context, id, technician string) error
	ConnectedSessions(ctx context.Context) ([]store.Session, error)
	OpenSessions(ctx context.Context) ([]store.Session, error)
	SetSessionResume(ctx context.Context, id, hash string) error
	SwapSessionResume(ctx context.Context, id, prev, next string) error
	SessionResumeHash(ctx context.Context, id string) (string, error)
	SetSessionFeedback(ctx context.Context, id, hash string) error
	SessionFeedbackHash(ctx context.Context, id string) (string, error)
	RateSession(ctx context.Context, id string, rating int, comment string, at time.Time) error

	// chat and asks
	AddChat(ctx context.Context, m *store.ChatMessage) error
	ListChat(ctx context.Context, sessionID string) ([]store.ChatMessage, error)
	CreateAsk(ctx context.Context, a *store.Ask) error
	Ask(ctx context.Context, id string) (*store.Ask, error)
	ListAsks(ctx context.Context, sessionID string) ([]store.Ask, error)
	AnswerAsk(ctx context.Context, id string, allowed []string, via string, at time.Time) error
	CancelAsks(ctx context.Context, sessionID string) error
	CancelAsk(ctx context.Context, id string) error

	// ticket notes
	AddNote(ctx context.Context, n *store.Note) error
	ListNotes(ctx context.Context, ticketID int64) ([]store.Note, error)

	// file transfers
	CreateFile(ctx context.Context, f *store.File) error
	File(ctx context.Context, id string) (*store.File, error)
	ListFiles(ctx context.Context, ticketID int64) ([]store.File, error)

	// recordings
	CreateRecording(ctx context.Context, r *store.Recording) error
	Recording(ctx context.Context, id string) (*store.Recording, error)
	ListRecordings(ctx context.Context, ticketID int64) ([]store.Recording, error)
	UpdateRecording(ctx context.Context, r *store.Recording) error

	// ownership and crash recovery (owner is a gateway instance id)
	ClaimUnowned(ctx context.Context, owner string) (int, error)
	SuspendOpenSessions(ctx context.Context, owner, reason, endReason string, at time.Time) ([]string, error)
	InterruptOpenRecordings(ctx context.Context, owner string, at time.Time) ([]store.Recording, error)

	// diagnostics reports
	CreateReport(ctx context.Context, r *store.Report) error
	Report(ctx context.Context, id string) (*store.Report, error)
	ListReports(ctx context.Context, ticketID int64) ([]store.Report, error)

	// audit
	AppendAudit(ctx context.Context, e *store.AuditEntry, seal func(prevHash string, e *store.AuditEntry) string) error
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
	AllAudit(ctx context.Context, fn func(store.AuditEntry) error) error

	// schema
	SchemaVersion(ctx context.Context) (int, error)
	Close() error
}

// Backend is how the suite gets stores.
type Backend struct {
	// New returns a fresh, empty store, with its schema up to date, whose
	// default timestamps come from now and which owns no instance (rows it
	// creates without an Owner stay unowned). It closes the store when t
	// ends. Required.
	New func(t *testing.T, now func() time.Time) Store
	// Reopen returns a second handle on the same data as s, as another
	// process (or gateway) would open it, closed when t ends. Optional:
	// without it the round trips read back through s, and the races run on
	// one handle.
	Reopen func(t *testing.T, s Store) Store
}

// suite carries the backend through the tests.
type suite struct{ b Backend }

// Run runs the whole suite against b, each test on a fresh store.
func Run(t *testing.T, b Backend) {
	if b.New == nil {
		t.Fatal("storetest: Backend.New is required")
	}
	x := &suite{b: b}
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"Users/RoundTrip", x.testUsersRoundTrip},
		{"Users/Errors", x.testUserErrors},
		{"Users/Update", x.testUpdateUser},
		{"Users/TokenVersionBumps", x.testTokenVersionBumps},
		{"Users/Count", x.testCountUsers},
		{"MFA/Lifecycle", x.testMFALifecycle},
		{"Tickets/RoundTrip", x.testTicketsRoundTrip},
		{"Tickets/ListFilters", x.testListTicketsFilters},
		{"Tickets/Update", x.testUpdateTicket},
		{"Invites/RoundTrip", x.testInvitesRoundTrip},
		{"Invites/Errors", x.testInviteErrors},
		{"Invites/Use", x.testUseInvite},
		{"Invites/RaceExactlyOneWins", x.testUseInviteRaceExactlyOneWins},
		{"Invites/Expire", x.testExpireInvite},
		{"Sessions/RoundTrip", x.testSessionsRoundTrip},
		{"Sessions/Errors", x.testSessionErrors},
		{"Sessions/Update", x.testUpdateSession},
		{"Sessions/TechnicianAndConnected", x.testSessionTechnicianAndConnected},
		{"Sessions/SwapResume", x.testSwapSessionResume},
		{"Sessions/ConsentAndRating", x.testConsentAndRating},
		{"Sessions/Open", x.testOpenSessions},
		{"Chat/RoundTripAndOrder", x.testChatRoundTrip},
		{"Asks/Lifecycle", x.testAsksLifecycle},
		{"Notes/RoundTripAndOrder", x.testNotesRoundTrip},
		{"Files/RoundTrip", x.testFilesRoundTrip},
		{"Recordings/RoundTrip", x.testRecordingsRoundTrip},
		{"Recordings/UpdateAndInterrupt", x.testUpdateAndInterruptRecordings},
		{"Ownership/StampedOnCreate", x.testOwnerStampedOnCreate},
		{"Ownership/SuspendOnlyOwnSessions", x.testSuspendOnlyOwnSessions},
		{"Ownership/InterruptOnlyOwnRecordings", x.testInterruptOnlyOwnRecordings},
		{"Ownership/ClaimUnowned", x.testClaimUnowned},
		{"Reports/RoundTrip", x.testReportsRoundTrip},
		{"Reports/Errors", x.testReportErrors},
		{"Audit/AppendRoundTrip", x.testAppendAuditRoundTrip},
		{"Audit/AppendRejects", x.testAppendAuditRejects},
		{"Audit/ConcurrentChain", x.testAppendAuditConcurrentChain},
		{"Audit/ListFilters", x.testListAuditFilters},
		{"Audit/AllStopsOnCallbackError", x.testAllAuditStopsOnCallbackError},
		{"Schema/Migrated", x.testSchemaMigrated},
	} {
		t.Run(tc.name, tc.fn)
	}
}

// openTest returns a fresh store with a fake clock at t0.
func (x *suite) openTest(t *testing.T) (Store, *testClock) {
	t.Helper()
	clk := &testClock{t: t0}
	return x.b.New(t, clk.Now), clk
}

// reopen returns a second handle on s's data, or s when the backend cannot
// open one.
func (x *suite) reopen(t *testing.T, s Store) Store {
	t.Helper()
	if x.b.Reopen == nil {
		return s
	}
	return x.b.Reopen(t, s)
}

// nasty are text values that break naive SQL or LIKE handling; every text
// field must round-trip them unchanged.
var nasty = []string{
	`'; DROP TABLE users; --`,
	`%`,
	`_`,
	`100%_done`,
	`"double" 'single' ` + "`back`",
	`back\slash \% \_`,
	`日本語 ✓ émoji 🎉 ünïcödé`,
	"tab\tnew\nline",
	``,
}

// testClock is a settable clock for deterministic default timestamps.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 11, 24, 9, 30, 0, 123456789, time.UTC)

// mustTicket creates a ticket and returns its id.
func mustTicket(t *testing.T, s Store, title string) int64 {
	t.Helper()
	tk := &store.Ticket{Title: title, CreatedBy: "alice"}
	if err := s.CreateTicket(context.Background(), tk); err != nil {
		t.Fatalf("CreateTicket(%q): %v", title, err)
	}
	return tk.ID
}

// cmpOpts treats nil and empty slices/maps alike.
var cmpOpts = []cmp.Option{cmpopts.EquateEmpty()}

func ptr[T any](v T) *T { return &v }
