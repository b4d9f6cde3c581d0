package agent

import (
	"context"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// handleDiag serves a tether-diag channel. Without a DiagHandler it refuses.
func (s *session) handleDiag(ctx context.Context, nch ssh.NewChannel, open wire.ChannelOpen) {
	if s.cfg.Diag == nil {
		nch.Reject(ssh.UnknownChannelType, "diagnostics are not available in this client")
		return
	}
	nch.Reject(ssh.UnknownChannelType, "diagnostics are not wired yet")
}
