package term

import (
	"context"
	"sync"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/cause"
)

// reasonShell is a pipeShell that, like broker.Shell, can tell the agent
// why it is closed.
type reasonShell struct {
	*pipeShell
	mu           sync.Mutex
	code, reason string
}

func (s *reasonShell) CloseWith(code, reason string) error {
	s.mu.Lock()
	s.code, s.reason = code, reason
	s.mu.Unlock()
	return s.Close()
}

// TestRunTellsTheAgentWhy: when the bridge ends on the gateway's side, the
// shell is closed with the cause's code and words, so the user reads the
// real reason (a restart, not "Alice closed the shell").
func TestRunTellsTheAgentWhy(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	var rs *reasonShell
	b := start(t, ctx, func(c *Config) {
		rs = &reasonShell{pipeShell: c.Shell.(*pipeShell)}
		c.Shell = rs
	})
	cancel(cause.With(cause.GatewayRestart, "reconnect in a moment"))
	b.wait(t)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.code != "gateway_restart" || rs.reason != "gateway restarting: reconnect in a moment" {
		t.Errorf("CloseWith(%q, %q), want gateway_restart and the cause's words", rs.code, rs.reason)
	}
}
