package wire

// The payloads of Tether's global requests (RequestEnd, RequestScopes),
// sent on the SSH connection outside any channel.

import (
	"encoding/json"
	"errors"
	"fmt"
)

// EndNotice is the JSON payload of a RequestEnd: the side that hangs up on
// purpose says why. Both sides send it: the agent when the user ends the
// session, the gateway when a technician ends it, a policy times it out or
// the gateway shuts down or restarts.
//
//	{"reason":"ended by user"}
//	{"reason":"the gateway is restarting","reconnect":true}
type EndNotice struct {
	// Reason is for people; the receiver shows it, cleaned, never decides by it.
	Reason string `json:"reason"`
	// Reconnect asks the client to come back (the gateway is restarting):
	// the session is kept and resumes with the client's resume token.
	Reconnect bool `json:"reconnect,omitempty"`
}

// Bounds of an end notice: a payload over MaxEndNotice bytes is refused, a
// reason is cut to MaxEndReason runes.
const (
	MaxEndNotice = 4 << 10
	MaxEndReason = 200
)

// Marshal encodes n as a RequestEnd payload.
func (n EndNotice) Marshal() []byte {
	b, _ := json.Marshal(n) // a struct of a string and a bool always encodes
	return b
}

// ParseEndNotice decodes a RequestEnd payload. The reason comes back cleaned
// (CleanText, at most MaxEndReason runes) and may be empty: the receiver
// supplies its own words then. An empty, oversized or non-JSON payload is
// an error; the receiver still ends the session, with its default reason.
func ParseEndNotice(b []byte) (EndNotice, error) {
	switch {
	case len(b) == 0:
		return EndNotice{}, errors.New("empty end notice")
	case len(b) > MaxEndNotice:
		return EndNotice{}, fmt.Errorf("end notice too large (%d bytes)", len(b))
	}
	var n EndNotice
	if err := json.Unmarshal(b, &n); err != nil {
		return EndNotice{}, fmt.Errorf("bad end notice: %w", err)
	}
	n.Reason = CleanText(n.Reason, MaxEndReason)
	return n, nil
}

// ScopesNotice is the JSON payload of a RequestScopes: the scopes still
// granted after the user revoked some.
//
//	{"granted":["diagnostics"]}
type ScopesNotice struct {
	Granted []string `json:"granted"`
}

// MaxScopesNotice bounds a RequestScopes payload.
const MaxScopesNotice = 1 << 10

// Marshal encodes n as a RequestScopes payload.
func (n ScopesNotice) Marshal() []byte {
	b, _ := json.Marshal(n) // a list of strings always encodes
	return b
}

// ParseScopesNotice decodes a RequestScopes payload into the scopes it
// names (NewScopes: known names only, at most 16, normalised). An oversized
// or non-JSON payload, or an unknown scope, is an error.
func ParseScopesNotice(b []byte) (Scopes, error) {
	if len(b) > MaxScopesNotice {
		return nil, fmt.Errorf("scopes notice too large (%d bytes)", len(b))
	}
	var n ScopesNotice
	if err := json.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("bad scopes notice: %w", err)
	}
	return NewScopes(n.Granted)
}
