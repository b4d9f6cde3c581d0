package broker

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: every
// live session, keepalive and handshake the broker starts must end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
