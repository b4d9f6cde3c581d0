package wire

import (
	"fmt"

	"golang.org/x/crypto/ssh"
)

// The terminal requests on a ChannelSession (RFC 4254 §6.2 and §6.7). The
// gateway sends one "pty-req" before "shell", and "window-change" whenever
// the technician's terminal is resized; the agent refuses a shell without a
// valid pty-req.
const (
	RequestPTY          = "pty-req"
	RequestWindowChange = "window-change"
	RequestShell        = "shell"
)

// Bounds of the terminal requests: a size outside 1..MaxTermSize columns or
// rows, or a terminal name longer than MaxTermName, is refused.
const (
	MaxTermSize = 1000
	MaxTermName = 64
)

// DefaultTerm is the terminal type the gateway asks for when the browser
// names none.
const DefaultTerm = "xterm-256color"

// PTYRequest is the payload of a "pty-req" request (RFC 4254 §6.2). The
// field order is the wire order.
type PTYRequest struct {
	Term     string
	Cols     uint32
	Rows     uint32
	WidthPx  uint32
	HeightPx uint32
	// Modes are the encoded terminal modes; the gateway sends only the
	// TTY_OP_END byte (0) and the agent ignores them.
	Modes string
}

// NewPTYRequest is the pty-req the gateway sends for a terminal of
// cols×rows (term "" means DefaultTerm), with no pixel size and no modes.
func NewPTYRequest(term string, cols, rows int) PTYRequest {
	if term == "" {
		term = DefaultTerm
	}
	return PTYRequest{Term: term, Cols: uint32(cols), Rows: uint32(rows), Modes: string([]byte{0})}
}

// Marshal encodes p as a pty-req payload.
func (p PTYRequest) Marshal() []byte { return ssh.Marshal(&p) }

// ParsePTYRequest decodes a pty-req payload: trailing data, a size outside
// 1..MaxTermSize or a terminal name longer than MaxTermName is an error.
func ParsePTYRequest(b []byte) (PTYRequest, error) {
	var p PTYRequest
	if err := ssh.Unmarshal(b, &p); err != nil {
		return PTYRequest{}, fmt.Errorf("bad pty-req: %w", err)
	}
	if !validTermSize(p.Cols, p.Rows) || len(p.Term) > MaxTermName {
		return PTYRequest{}, fmt.Errorf("bad pty-req: size %dx%d", p.Cols, p.Rows)
	}
	return p, nil
}

// WindowChange is the payload of a "window-change" request (RFC 4254 §6.7).
type WindowChange struct {
	Cols     uint32
	Rows     uint32
	WidthPx  uint32
	HeightPx uint32
}

// Marshal encodes w as a window-change payload.
func (w WindowChange) Marshal() []byte { return ssh.Marshal(&w) }

// ParseWindowChange decodes a window-change payload: trailing data or a
// size outside 1..MaxTermSize is an error.
func ParseWindowChange(b []byte) (WindowChange, error) {
	var w WindowChange
	if err := ssh.Unmarshal(b, &w); err != nil {
		return WindowChange{}, fmt.Errorf("bad window-change: %w", err)
	}
	if !validTermSize(w.Cols, w.Rows) {
		return WindowChange{}, fmt.Errorf("bad window-change: size %dx%d", w.Cols, w.Rows)
	}
	return w, nil
}

func validTermSize(cols, rows uint32) bool {
	return cols >= 1 && rows >= 1 && cols <= MaxTermSize && rows <= MaxTermSize
}
