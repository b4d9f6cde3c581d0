package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// Action names, dotted <object>.<verb>. They are part of the audit log's
// contract (auditors filter on them): add new ones, never rename.
const (
	ActionLoginOK              = "login.ok"
	ActionLoginFail            = "login.fail"
	ActionLogout               = "logout"
	ActionUserCreate           = "user.create"
	ActionUserUpdate           = "user.update"
	ActionTicketCreate         = "ticket.create"
	ActionTicketUpdate         = "ticket.update"
	ActionInviteCreate         = "invite.create"
	ActionInviteRefused        = "invite.refused"
	ActionSessionJoin          = "session.join"
	ActionSessionDecline       = "session.decline"
	ActionScopeGrant           = "scope.grant"
	ActionScopeRevoke          = "scope.revoke"
	ActionSessionEnd           = "session.end"
	ActionShellOpen            = "shell.open"
	ActionShellClose           = "shell.close"
	ActionShellInputHidden     = "shell.input_hidden"
	ActionDiagRun              = "diag.run"
	ActionScreenOpen           = "screen.open"
	ActionScreenClose          = "screen.close"
	ActionRecordingSeal        = "recording.seal"
	ActionRecordingInterrupted = "recording.interrupted"
	ActionAuditExport          = "audit.export"
	// ActionChannelRefused: the client refused a technician's channel (scope not granted).
	ActionChannelRefused = "channel.refused"
	// ActionTicketEscalate: a ticket (and its live sessions) was handed to another technician.
	ActionTicketEscalate = "ticket.escalate"
	// ActionMFAEnroll, ActionMFAEnable, ActionMFADisable: a user's second factor changed.
	ActionMFAEnroll  = "mfa.enroll"
	ActionMFAEnable  = "mfa.enable"
	ActionMFADisable = "mfa.disable"
	// ActionMFARecoveryUsed: a one-time recovery code was spent at sign-in.
	ActionMFARecoveryUsed = "mfa.recovery"
	// ActionAccessDenied: a signed-in user tried to act on a ticket that is not theirs.
	ActionAccessDenied = "access.denied"
	// ActionSessionPolicy: the gateway ended a session by policy (maximum length, idle).
	ActionSessionPolicy = "session.expire"
	// ActionRightWithdrawn: a long-lived channel (shell, screen,
	// diagnostics, event stream) ended because its holder lost the right.
	ActionRightWithdrawn = "access.withdrawn"
	// ActionSignOutAll: an admin ended every sign-in of a user.
	ActionSignOutAll = "user.signout"
	// ActionSessionHandOver: taking or reassigning a ticket handed its live
	// sessions to a new technician.
	ActionSessionHandOver = "session.handover"
	// ActionTicketNote: a technician added a note, a worklog entry or a
	// resolution note to a ticket (details: kind, note id, sha256, length).
	ActionTicketNote = "ticket.note"
	// ActionRecordingView: somebody opened (replayed) or downloaded a
	// recording (details: mode view|download).
	ActionRecordingView = "recording.view"
	// ActionPasswordChange: a user changed their own password; every other
	// sign-in of theirs ended.
	ActionPasswordChange = "user.password"
	// ActionPasswordReset: an admin (CLI) reset a user's password.
	ActionPasswordReset = "user.password.reset"
	// ActionScreenClipboard: clipboard text went to the user's clipboard or
	// from it to a technician (details: direction to_user|from_user, chars,
	// bytes, sha256; never the text).
	ActionScreenClipboard = "screen.clipboard"
	// File transfers (scope files; details: transfer_id, direction, and
	// path or name, size, sha256, reason, error as they apply).
	ActionFileRequest  = "file.request"  // a technician asked to collect or send a file
	ActionFileRefuse   = "file.refuse"   // the user refused it
	ActionFileComplete = "file.complete" // stored / saved, hashes matched
	ActionFileFail     = "file.fail"     // stopped (revoked, aborted, hash mismatch); nothing kept
	ActionFileDownload = "file.download" // somebody downloaded a stored file
	// ActionScreenMonitor: a viewer switched the monitor a screen feed
	// streams, for every viewer of it (details: recording id, from, to, the
	// monitor's name and rectangle).
	ActionScreenMonitor = "screen.monitor"
)

// Actions lists every declared action name.
var Actions = []string{
	ActionLoginOK, ActionLoginFail, ActionLogout, ActionUserCreate, ActionUserUpdate,
	ActionTicketCreate, ActionTicketUpdate, ActionInviteCreate, ActionInviteRefused,
	ActionSessionJoin, ActionSessionDecline, ActionScopeGrant, ActionScopeRevoke, ActionSessionEnd,
	ActionShellOpen, ActionShellClose, ActionDiagRun, ActionScreenOpen, ActionScreenClose,
	ActionRecordingSeal, ActionRecordingInterrupted, ActionAuditExport,
	ActionChannelRefused, ActionTicketEscalate, ActionMFAEnroll, ActionMFAEnable, ActionMFADisable,
	ActionMFARecoveryUsed, ActionAccessDenied, ActionSessionPolicy,
	ActionRightWithdrawn, ActionSignOutAll, ActionSessionHandOver,
	ActionTicketNote, ActionRecordingView, ActionPasswordChange, ActionPasswordReset,
	ActionScreenClipboard,
	ActionFileRequest, ActionFileRefuse, ActionFileComplete, ActionFileFail, ActionFileDownload,
	ActionScreenMonitor,
}

// Appender is the storage Logger needs; every store backend implements it
// (the conformance suite in store/storetest checks the chain it keeps).
type Appender interface {
	AppendAudit(ctx context.Context, e *store.AuditEntry, seal func(prevHash string, e *store.AuditEntry) string) error
}

// Config configures a Logger.
type Config struct {
	// Store appends entries atomically (required).
	Store Appender
	// Clock stamps entries; defaults to time.Now.
	Clock func() time.Time
	// Log receives debug lines about appended entries; defaults to discard.
	Log *slog.Logger
	// OnAppend, if set, is called synchronously with each entry after it is
	// stored (e.g. to publish it to live viewers). It must not block.
	OnAppend func(store.AuditEntry)
}

// Event is one thing worth auditing. Details must marshal to JSON; never put
// secrets (passwords, tokens, terminal input) in them.
type Event struct {
	Actor      string
	Action     string
	TicketID   int64
	SessionID  string
	RemoteAddr string
	Details    map[string]any
}

// Logger records events into the hash chain. A nil *Logger is valid and
// records nothing.
type Logger struct {
	store    Appender
	clock    func() time.Time
	log      *slog.Logger
	onAppend func(store.AuditEntry)
}

// New returns a Logger, or an error when cfg.Store is missing.
func New(cfg Config) (*Logger, error) {
	if cfg.Store == nil {
		return nil, errors.New("audit: new: Config.Store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Logger{
		store:    cfg.Store,
		clock:    cfg.Clock,
		log:      cfg.Log.With("component", "audit"),
		onAppend: cfg.OnAppend,
	}, nil
}

// Record appends ev to the audit chain, stamped with the Logger's clock.
// The actor is stored bounded (see BoundActor), whoever the caller is.
// It returns an error when the action is empty, the details do not encode,
// or the store fails; callers decide whether the audited operation may
// proceed without its entry.
func (l *Logger) Record(ctx context.Context, ev Event) error {
	if l == nil {
		return nil
	}
	if ev.Action == "" {
		return errors.New("audit: record: empty action")
	}
	details := []byte("{}")
	if len(ev.Details) > 0 {
		var err error
		if details, err = json.Marshal(ev.Details); err != nil {
			return fmt.Errorf("audit: record %s: encode details: %w", ev.Action, err)
		}
	}
	e := store.AuditEntry{
		Time:       l.clock().UTC(),
		Actor:      BoundActor(ev.Actor),
		Action:     ev.Action,
		TicketID:   ev.TicketID,
		SessionID:  ev.SessionID,
		RemoteAddr: ev.RemoteAddr,
		Details:    details,
	}
	if err := l.store.AppendAudit(ctx, &e, Hash); err != nil {
		return fmt.Errorf("audit: record %s: %w", ev.Action, err)
	}
	l.log.Debug("audit entry appended", "seq", e.Seq, "action", e.Action, "actor", e.Actor, "ticket_id", e.TicketID)
	if l.onAppend != nil {
		l.onAppend(e)
	}
	return nil
}
