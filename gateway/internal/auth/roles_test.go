package auth

import "testing"

func TestCanMatrix(t *testing.T) {
	const (
		Y = true
		N = false
	)
	tests := []struct {
		action                     Action
		admin, technician, auditor bool
	}{
		{ActTicketCreate, Y, Y, N},
		{ActTicketRead, Y, Y, Y},
		{ActTicketUpdate, Y, Y, N},
		{ActInviteCreate, Y, Y, N},
		{ActSessionRead, Y, Y, Y},
		{ActShellOpen, Y, Y, N},
		{ActDiagRun, Y, Y, N},
		{ActScreenView, Y, Y, N},
		{ActScreenControl, Y, Y, N},
		{ActSessionEnd, Y, Y, N},
		{ActRecordingRead, Y, Y, Y},
		{ActAuditRead, Y, N, Y},
		{ActUserAdmin, Y, N, N},
		{Action("unknown"), N, N, N},
		{Action(""), N, N, N},
	}
	if got, want := len(tests)-2, len(Actions); got != want {
		t.Fatalf("matrix has %d actions, Actions has %d: keep them in step", got, want)
	}
	for _, tt := range tests {
		for role, want := range map[string]bool{RoleAdmin: tt.admin, RoleTechnician: tt.technician, RoleAuditor: tt.auditor, "": false, "root": false, "Admin": false} {
			if got := Can(role, tt.action); got != want {
				t.Errorf("Can(%q, %q) = %v, want %v", role, tt.action, got, want)
			}
		}
	}
}

func TestValidRole(t *testing.T) {
	for _, r := range Roles {
		if !ValidRole(r) {
			t.Errorf("ValidRole(%q) = false", r)
		}
	}
	for _, r := range []string{"", "root", "ADMIN", "admin "} {
		if ValidRole(r) {
			t.Errorf("ValidRole(%q) = true", r)
		}
	}
}
