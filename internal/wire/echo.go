package wire

import (
	"encoding/json"
	"fmt"
)

// RequestEcho is a channel request the agent sends on a shell's "session"
// channel whenever the terminal's echo state changes, and once right after
// the shell starts (before it answers the "shell" request). The payload is a
// JSON EchoNotice. The agent asks for a reply and forwards no more output
// until it has one, so the gateway knows the new state before the
// technician sees the prompt that follows the change.
//
// The gateway records input typed while echo is off as a length marker
// only (see docs/recording-format.md). Until a shell's first notice arrives
// the gateway treats echo as off: a client that cannot tell (Windows
// ConPTY) or does not send notices has its input hidden, never revealed.
// A gateway that does not know the request answers false; the agent
// carries on.
const RequestEcho = "tether-echo@tether"

// Echo states carried by an EchoNotice.
const (
	// EchoOn: typed characters are shown, either by the terminal or by a
	// program in raw mode that draws its own input (a shell's line editor,
	// an editor).
	EchoOn = "on"
	// EchoOff: the terminal reads lines without showing them (ECHO off,
	// canonical mode), as password prompts and `stty -echo` do.
	EchoOff = "off"
)

// MaxEchoNotice bounds an EchoNotice payload.
const MaxEchoNotice = 256

// EchoNotice tells the gateway the terminal's echo state.
type EchoNotice struct {
	// Echo is EchoOn or EchoOff.
	Echo string `json:"echo"`
}

// Hidden says whether input typed now is hidden from the user's screen.
func (n EchoNotice) Hidden() bool { return n.Echo != EchoOn }

// Marshal encodes the notice as a request payload.
func (n EchoNotice) Marshal() []byte {
	b, _ := json.Marshal(n) // a struct of one string cannot fail
	return b
}

// ParseEchoNotice decodes a RequestEcho payload. Anything but a small JSON
// object whose echo is "on" or "off" is an error.
func ParseEchoNotice(b []byte) (EchoNotice, error) {
	var n EchoNotice
	if len(b) > MaxEchoNotice {
		return EchoNotice{}, fmt.Errorf("echo notice too large (%d bytes)", len(b))
	}
	if err := json.Unmarshal(b, &n); err != nil {
		return EchoNotice{}, fmt.Errorf("bad echo notice: %w", err)
	}
	if n.Echo != EchoOn && n.Echo != EchoOff {
		return EchoNotice{}, fmt.Errorf("bad echo notice: echo %q", CleanText(n.Echo, 16))
	}
	return n, nil
}
