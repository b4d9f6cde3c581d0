// Package cause says why a session, a shell or a screen view ended, as
// typed values rather than strings.
//
// Deciding behaviour by comparing message texts breaks the first time a
// message is reworded: a recording flips from sealed to interrupted, a
// technician reads "the client went away" when the user typed `revoke
// shell`. Every end therefore carries one of the sentinels below (wrapped
// with detail by With), compared with errors.Is; each has a stable Code for
// machines, a message for people, and says whether a recording that ends
// with it ended normally or was interrupted.
package cause

import (
	"errors"
	"fmt"
)

// Cause is one reason something ended.
type Cause struct {
	code   string
	msg    string
	normal bool
}

func (c *Cause) Error() string { return c.msg }

// Code is the stable, machine-readable name of the cause.
func (c *Cause) Code() string { return c.code }

// Normal reports whether a recording that ends with this cause ended
// normally (sealed) rather than being cut off (interrupted).
func (c *Cause) Normal() bool { return c.normal }

// The causes. Messages read as what happened, for the technician and the
// user alike.
var (
	// ShellExited: the shell on the user's machine exited by itself.
	ShellExited = &Cause{"shell_exited", "shell exited", true}
	// TechnicianEnded: the technician closed the shell or screen view, or
	// ended the session.
	TechnicianEnded = &Cause{"technician_ended", "ended by the technician", true}
	// UserEnded: the user ended the session (Ctrl-C, `end`, the window).
	UserEnded = &Cause{"user_ended", "ended by user", true}
	// UserRevoked: the user withdrew the permission (e.g. `revoke shell`).
	UserRevoked = &Cause{"user_revoked", "the user withdrew the permission", true}
	// RightWithdrawn: the technician lost the right to it (disabled,
	// signed out, role changed, ticket handed over, token expired).
	RightWithdrawn = &Cause{"right_withdrawn", "right withdrawn", true}
	// PolicyTimeout: the session reached its maximum length or idle timeout.
	PolicyTimeout = &Cause{"policy_timeout", "the session reached a time limit", true}
	// LinkLost: the connection to the user's machine dropped.
	LinkLost = &Cause{"link_lost", "connection lost", false}
	// GatewayShutdown: the gateway is stopping.
	GatewayShutdown = &Cause{"gateway_shutdown", "gateway shutting down", false}
	// GatewayRestart: the gateway is restarting; clients come back.
	GatewayRestart = &Cause{"gateway_restart", "gateway restarting", false}
	// RecordingFailed: the recording could not be written (strict mode).
	RecordingFailed = &Cause{"recording_failed", "the recording failed", false}
	// ClientFailed: the client broke the protocol or stopped a stream.
	ClientFailed = &Cause{"client_failed", "the client stopped", false}
)

// all lists every cause, most specific first (see Of).
var all = []*Cause{ShellExited, TechnicianEnded, UserEnded, UserRevoked, RightWithdrawn, PolicyTimeout,
	LinkLost, GatewayShutdown, GatewayRestart, RecordingFailed, ClientFailed}

// With wraps c with detail a person can read: "c: detail". errors.Is(err, c)
// holds for the result.
func With(c *Cause, detail string) error {
	if detail == "" {
		return c
	}
	return fmt.Errorf("%w: %s", c, detail)
}

// Of returns the cause err carries (through wrapping and custom Is
// methods), or nil when it carries none.
func Of(err error) *Cause {
	if err == nil {
		return nil
	}
	for _, c := range all {
		if errors.Is(err, c) {
			return c
		}
	}
	return nil
}

// Normal reports whether something that ended with err ended normally. An
// error without a cause did not: it is treated as an interruption.
func Normal(err error) bool {
	c := Of(err)
	return c != nil && c.normal
}

// Code returns err's cause code, or "unknown".
func Code(err error) string {
	if c := Of(err); c != nil {
		return c.code
	}
	return "unknown"
}

// FromCode returns the cause with that code, or nil for an unknown code
// (a code read from the network names a cause; it never invents one).
func FromCode(code string) *Cause {
	for _, c := range all {
		if c.code == code {
			return c
		}
	}
	return nil
}
