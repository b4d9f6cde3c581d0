package wire

import (
	"encoding/json"
	"fmt"
)

// SSH channel types opened by the gateway (the SSH client) on the agent (the
// SSH server). Each needs a scope; see ChannelScope.
const (
	// ChannelSession is the standard SSH session channel; with pty-req and
	// shell requests it is an interactive shell.
	ChannelSession = "session"
	// ChannelDiag carries one diagnostics run: a DiagRequest from the gateway,
	// then a stream of results back (see diag.go).
	ChannelDiag = "tether-diag"
	// ChannelScreen carries screen frames from the agent and viewer requests
	// back (see screen.go).
	ChannelScreen = "tether-screen"
)

// Global requests on the SSH connection.
const (
	// RequestKeepalive is sent both ways to keep the link alive and detect a
	// dead peer. It carries no payload; a reply (even a refusal) is proof of life.
	RequestKeepalive = "keepalive@openssh.com"
	// RequestEnd is sent by the agent before it closes the connection on
	// purpose; the payload is a JSON EndNotice.
	RequestEnd = "tether-end@tether"
	// RequestScopes is sent by the agent when the user revokes scopes live;
	// the payload is a JSON ScopesNotice.
	RequestScopes = "tether-scopes@tether"
)

// ChannelScope returns the scope that channel type needs, or "" when the
// type is unknown (and must be refused).
func ChannelScope(channelType string) Scope {
	switch channelType {
	case ChannelSession:
		return ScopeShell
	case ChannelDiag:
		return ScopeDiagnostics
	case ChannelScreen:
		return ScopeScreen
	case ChannelFiles:
		return ScopeFiles
	}
	return ""
}

// MaxChannelExtra bounds the extra data of a channel open request.
const MaxChannelExtra = 4 << 10

// ChannelOpen is the JSON extra data the gateway attaches to every channel it
// opens, so the agent can tell the user who is acting.
type ChannelOpen struct {
	// Actor is the technician's display name.
	Actor string `json:"actor"`
	// Purpose is a short description ("shell", "diagnostics: default sweep").
	Purpose string `json:"purpose,omitempty"`
}

// ParseChannelOpen decodes a channel's extra data. Empty data is allowed
// (an unknown actor).
func ParseChannelOpen(b []byte) (ChannelOpen, error) {
	var c ChannelOpen
	if len(b) == 0 {
		return c, nil
	}
	if len(b) > MaxChannelExtra {
		return c, fmt.Errorf("channel extra data too large (%d bytes)", len(b))
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("bad channel extra data: %w", err)
	}
	c.Actor = CleanText(c.Actor, 64)
	c.Purpose = CleanText(c.Purpose, 128)
	return c, nil
}
