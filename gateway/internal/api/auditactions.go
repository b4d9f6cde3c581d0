package api

import (
	"net/http"
	"sort"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/broker"
)

// auditActionJSON describes one audit action for people: Label is a verb
// phrase the audit page puts after the actor ("alice" + "opened a shell"),
// Group the action's object (what comes before its first dot), GroupLabel
// that group's heading in the action picker.
type auditActionJSON struct {
	Action     string `json:"action"`
	Label      string `json:"label"`
	Group      string `json:"group"`
	GroupLabel string `json:"group_label"`
}

// auditActionLabels names every audit action, those of package audit and
// those the broker declares. TestAuditActionLabels fails when an Action
// constant has no label here.
var auditActionLabels = map[string]string{
	audit.ActionLoginOK:              "signed in",
	audit.ActionLoginFail:            "failed to sign in",
	audit.ActionLogout:               "signed out",
	audit.ActionUserCreate:           "created a user",
	audit.ActionUserUpdate:           "changed a user",
	audit.ActionSignOutAll:           "ended every sign-in of a user",
	audit.ActionPasswordChange:       "changed their password",
	audit.ActionPasswordReset:        "reset a user's password",
	audit.ActionTicketCreate:         "created a ticket",
	audit.ActionTicketUpdate:         "changed a ticket",
	audit.ActionTicketEscalate:       "escalated a ticket",
	audit.ActionTicketNote:           "added a note",
	audit.ActionInviteCreate:         "created an invite",
	audit.ActionInviteRefused:        "was refused an invite",
	audit.ActionSessionJoin:          "joined a session",
	audit.ActionSessionDecline:       "declined a session",
	audit.ActionSessionEnd:           "ended a session",
	audit.ActionSessionPolicy:        "expired a session by policy",
	audit.ActionSessionHandOver:      "handed a session over",
	broker.ActionSessionSuspend:      "saw a session suspend",
	broker.ActionSessionResume:       "resumed a session",
	broker.ActionRating:              "rated a session",
	audit.ActionScopeGrant:           "granted a permission",
	audit.ActionScopeRevoke:          "revoked a permission",
	broker.ActionScopeAsk:            "asked for a permission",
	audit.ActionShellOpen:            "opened a shell",
	audit.ActionShellClose:           "closed a shell",
	audit.ActionShellInputHidden:     "typed hidden input in a shell",
	audit.ActionDiagRun:              "ran diagnostics",
	audit.ActionScreenOpen:           "opened the screen",
	audit.ActionScreenClose:          "closed the screen",
	audit.ActionScreenClipboard:      "sent clipboard text",
	audit.ActionScreenMonitor:        "switched the screen's monitor",
	audit.ActionRecordingSeal:        "sealed a recording",
	audit.ActionRecordingInterrupted: "saw a recording interrupted",
	audit.ActionRecordingView:        "opened a recording",
	audit.ActionAuditExport:          "exported the audit trail",
	audit.ActionChannelRefused:       "was refused a channel",
	audit.ActionMFAEnroll:            "started enrolling a second factor",
	audit.ActionMFAEnable:            "turned on a second factor",
	audit.ActionMFADisable:           "turned off a second factor",
	audit.ActionMFARecoveryUsed:      "used a recovery code",
	audit.ActionAccessDenied:         "was denied access",
	audit.ActionRightWithdrawn:       "lost a right during a session",
	broker.ActionChatMessage:         "sent a chat message",
	broker.ActionChatSeal:            "sealed a chat transcript",
	audit.ActionFileRequest:          "asked for a file transfer",
	audit.ActionFileRefuse:           "was refused a file transfer",
	audit.ActionFileComplete:         "completed a file transfer",
	audit.ActionFileFail:             "saw a file transfer fail",
	audit.ActionFileDownload:         "downloaded a file",
}

// auditGroupLabels heads the groups of the action picker.
var auditGroupLabels = map[string]string{
	"login": "Sign-in", "logout": "Sign-in", "user": "Users", "ticket": "Tickets", "invite": "Invites",
	"session": "Sessions", "scope": "Permissions", "shell": "Shells", "diag": "Diagnostics",
	"screen": "Screen", "recording": "Recordings", "audit": "Audit", "channel": "Channels",
	"mfa": "Second factor", "access": "Access", "chat": "Chat",
	"file": "Files",
}

// auditGroup is the object of a dotted action ("shell" for shell.open).
func auditGroup(action string) string {
	g, _, _ := strings.Cut(action, ".")
	return g
}

// auditActions lists every labelled action, sorted by group then action.
func auditActions() []auditActionJSON {
	out := make([]auditActionJSON, 0, len(auditActionLabels))
	for act, label := range auditActionLabels {
		g := auditGroup(act)
		gl := auditGroupLabels[g]
		if gl == "" {
			gl = g
		}
		out = append(out, auditActionJSON{Action: act, Label: label, Group: g, GroupLabel: gl})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].GroupLabel != out[j].GroupLabel {
			return out[i].GroupLabel < out[j].GroupLabel
		}
		return out[i].Action < out[j].Action
	})
	return out
}

func (a *API) listAuditActions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, auditActions())
}
