package agent

import (
	"fmt"
	"testing"

	"github.com/tetherhq/tether/internal/wire"
)

// TestShellClosedMessage: the user reads why the shell closed, from the
// gateway's close notice first, then from what the client knows; "Alice
// closed the shell." only when she did (or nothing else is known).
func TestShellClosedMessage(t *testing.T) {
	restart := func() error { return errRestarting }
	byGateway := func() error { return fmt.Errorf("%w: ended by technician alice", ErrEndedByGateway) }
	tests := []struct {
		name    string
		notice  *wire.CloseNotice
		ending  func() error
		granted wire.Scopes
		exited  bool
		want    string
	}{
		{"technician", &wire.CloseNotice{Code: "technician_ended"}, nil, wire.Scopes{wire.ScopeShell}, false, "Alice closed the shell."},
		{"restart notice", &wire.CloseNotice{Code: "gateway_restart"}, nil, wire.Scopes{wire.ScopeShell}, false,
			"The shell closed: the gateway is restarting; the session reconnects in a moment."},
		{"restart without notice", nil, restart, wire.Scopes{wire.ScopeShell}, false,
			"The shell closed: the gateway is restarting; the session reconnects in a moment."},
		{"right withdrawn", &wire.CloseNotice{Code: "right_withdrawn"}, nil, wire.Scopes{wire.ScopeShell}, false, "The shell closed: Alice no longer has the right to it."},
		{"unknown code with reason", &wire.CloseNotice{Code: "unknown", Reason: "something new"}, nil, wire.Scopes{wire.ScopeShell}, false, "The shell closed: something new."},
		{"ended by the gateway", nil, byGateway, wire.Scopes{wire.ScopeShell}, false, "The shell closed: ended by the gateway: ended by technician alice."},
		{"revoked here", nil, nil, nil, false, "The shell closed: you revoked shell."},
		{"exited", nil, nil, wire.Scopes{wire.ScopeShell}, true, "The shell exited."},
		{"nothing known", nil, nil, wire.Scopes{wire.ScopeShell}, false, "Alice closed the shell."},
	}
	for _, tt := range tests {
		s := &session{granted: tt.granted, ending: tt.ending}
		if got := s.shellClosedMessage("Alice", tt.notice, tt.exited); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
