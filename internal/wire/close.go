package wire

// The payload of RequestClose, sent on a shell's session channel just
// before one side closes it on purpose.

import (
	"encoding/json"
	"errors"
	"fmt"
)

// RequestClose is a channel request ("tether-close@tether", want-reply
// false) that the side about to close a shell channel sends first, so the
// other side can say why it ended: the agent when the user revoked shell,
// the gateway when a technician closed it, the session ended, the
// technician lost the right or the gateway restarts. A peer that does not
// know it ignores it; the channel closes either way. The payload is a JSON
// CloseNotice.
const RequestClose = "tether-close@tether"

// CloseNotice says why a channel is being closed.
//
//	{"code":"user_revoked","reason":"the user revoked shell"}
//	{"code":"gateway_restart","reason":"the gateway is restarting; reconnect in a moment"}
type CloseNotice struct {
	// Code is one of the gateway's end-cause codes (shell_exited,
	// technician_ended, user_ended, user_revoked, right_withdrawn,
	// policy_timeout, link_lost, gateway_shutdown, gateway_restart,
	// recording_failed, client_failed); the receiver decides by it.
	// An unknown code reads as "unknown".
	Code string `json:"code"`
	// Reason is for people; the receiver shows it, cleaned.
	Reason string `json:"reason,omitempty"`
}

// Bounds of a close notice: a payload over MaxCloseNotice bytes is
// refused; a code is at most MaxCloseCode bytes of [a-z_], a reason is cut
// to MaxEndReason runes.
const (
	MaxCloseNotice = 1 << 10
	MaxCloseCode   = 32
)

// Marshal encodes n as a RequestClose payload.
func (n CloseNotice) Marshal() []byte {
	b, _ := json.Marshal(n) // two strings always encode
	return b
}

// ParseCloseNotice decodes a RequestClose payload. The reason comes back
// cleaned (CleanText, at most MaxEndReason runes); a code that is not a
// short lower-case word becomes "unknown". An empty, oversized or non-JSON
// payload is an error.
func ParseCloseNotice(b []byte) (CloseNotice, error) {
	switch {
	case len(b) == 0:
		return CloseNotice{}, errors.New("empty close notice")
	case len(b) > MaxCloseNotice:
		return CloseNotice{}, fmt.Errorf("close notice too large (%d bytes)", len(b))
	}
	var n CloseNotice
	if err := json.Unmarshal(b, &n); err != nil {
		return CloseNotice{}, fmt.Errorf("bad close notice: %w", err)
	}
	if !closeCode(n.Code) {
		n.Code = "unknown"
	}
	n.Reason = CleanText(n.Reason, MaxEndReason)
	return n, nil
}

func closeCode(s string) bool {
	if s == "" || len(s) > MaxCloseCode {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}
