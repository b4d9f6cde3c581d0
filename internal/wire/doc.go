// Package wire holds everything the gateway and the client say to each other:
// scope and channel names, the join string, the agent handshake, the
// terminal requests (pty.go), the global requests' notices (notice.go) and the
// payloads of Tether's own SSH channels. Both binaries import it, so a change
// here is a protocol change: bump ProtocolVersion and note it in the changelog
// below.
//
// The connection, end to end:
//
//	client                                   gateway
//	  │ TLS (pinned SPKI fingerprint)            │
//	  │ GET /api/v1/agent  Upgrade: websocket    │
//	  │ ── Hello{code, version} ───────────────► │ look up invite (not burned yet)
//	  │ ◄──────────────── Offer{ticket, tech, scopes, expires_at}
//	  │   (user decides, scope by scope)         │
//	  │ ── Accept{granted, host, host_key} ────► │ burn invite, create session
//	  │ ◄──────────────── Welcome{session_id, gateway_key}
//	  │ ══ SSH over binary WebSocket frames ═════│ gateway = SSH client
//	  │    client = SSH server, host key pinned  │ opens channels per technician action
//
// After a dropped link or a gateway restart the client sends Resume{session_id,
// token} instead of Hello and gets a Welcome (with a new token) back: the same
// session continues with the scopes already granted (never more). See
// docs/protocol.md.
//
// Changelog:
//
//	1: first version.
//	1 (additive, no version bump): the agent sends RequestEcho
//	   ("tether-echo@tether", echo.go) on a shell's session channel when
//	   the terminal's echo state changes; a peer that does not know it
//	   answers false and nothing else changes.
//	1 (no change on the wire): the payloads of "pty-req" and
//	   "window-change" (pty.go) and of RequestEnd and RequestScopes
//	   (notice.go) are declared and parsed here, with their bounds,
//	   instead of on each side. The terminal bounds are the ones the
//	   agent already enforced; new are a 4 KiB bound on an end notice
//	   (a bigger one is read as one without a reason) and 1 KiB on a
//	   scopes notice (a bigger one is refused).
//	1 (meaning, no change on the wire): a resume token is good for one
//	   confirmed resume. The Welcome of a resume carries a new token; the
//	   presented one is refused once the SSH handshake on the resumed link
//	   completes, and no token resumes a session past its maximum length.
//	   The client cleans every gateway-sent string it prints (CleanText,
//	   StripControl) where it decodes it.
//	1 (additive): the browser's shell WebSocket frames (browser.go) are
//	   declared here; the exit frame carries the end cause's code.
//	1 (additive, no version bump): RequestClose ("tether-close@tether",
//	   close.go) on a shell's session channel, sent by the side that is
//	   about to close it on purpose, names the end cause's code and a
//	   reason; a peer that does not know it ignores it.
//	1 (additive, no version bump): the screen hello (screen.go) lists the
//	   client's monitors and the one streamed ("monitors", "monitor"), and
//	   is sent again after a switch; the control "monitor" switches. A
//	   client without monitors sends neither field, so its hello is the
//	   old one. A gateway before this change refuses a hello with them
//	   (unknown fields are refused): multi-monitor clients need a gateway
//	   at least as new.
package wire
