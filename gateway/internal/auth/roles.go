package auth

// Roles a user can have.
const (
	RoleAdmin      = "admin"
	RoleTechnician = "technician"
	RoleAuditor    = "auditor"
)

// Roles lists every role, for validation and UI choices.
var Roles = []string{RoleAdmin, RoleTechnician, RoleAuditor}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool {
	switch role {
	case RoleAdmin, RoleTechnician, RoleAuditor:
		return true
	}
	return false
}

// Action is something a signed-in user may or may not do; Can decides.
type Action string

// Actions, one per kind of request the API serves.
const (
	ActTicketCreate  Action = "ticket.create"
	ActTicketRead    Action = "ticket.read"
	ActTicketUpdate  Action = "ticket.update"
	ActInviteCreate  Action = "invite.create"
	ActSessionRead   Action = "session.read"
	ActShellOpen     Action = "shell.open"
	ActDiagRun       Action = "diag.run"
	ActScreenView    Action = "screen.view"
	ActScreenControl Action = "screen.control"
	ActSessionEnd    Action = "session.end"
	ActRecordingRead Action = "recording.read"
	ActAuditRead     Action = "audit.read"
	ActUserAdmin     Action = "user.admin"
)

// Actions lists every action.
var Actions = []Action{
	ActTicketCreate, ActTicketRead, ActTicketUpdate, ActInviteCreate,
	ActSessionRead, ActShellOpen, ActDiagRun, ActScreenView, ActScreenControl,
	ActSessionEnd, ActRecordingRead, ActAuditRead, ActUserAdmin,
}

// Can reports whether a user with role may perform action:
//   - admin may do everything;
//   - technician may do everything but read the audit log and manage users;
//   - auditor may only read tickets, sessions, recordings and the audit log.
//
// Unknown roles and unknown actions are denied.
func Can(role string, action Action) bool {
	switch role {
	case RoleAdmin:
		return knownAction(action)
	case RoleTechnician:
		return knownAction(action) && action != ActAuditRead && action != ActUserAdmin
	case RoleAuditor:
		switch action {
		case ActTicketRead, ActSessionRead, ActRecordingRead, ActAuditRead:
			return true
		}
	}
	return false
}

func knownAction(a Action) bool {
	for _, k := range Actions {
		if a == k {
			return true
		}
	}
	return false
}
