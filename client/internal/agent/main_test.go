package agent

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: every
// session, keepalive, channel handler and reconnect the agent starts must end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
