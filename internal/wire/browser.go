package wire

import (
	"encoding/json"
	"fmt"
)

// The shell WebSocket between the gateway and a technician's browser
// (GET /api/v1/sessions/{id}/shell). Binary frames carry terminal bytes
// both ways; text frames carry the small JSON messages below.
//
//	browser → gateway   {"type":"resize","cols":N,"rows":N}
//	gateway → browser   {"type":"recording","id":"r_..."}      first, once
//	gateway → browser   {"type":"exit","reason":"...","code":"..."}  last
//
// The exit code is one of the gateway's end-cause codes (shell_exited,
// technician_ended, user_ended, user_revoked, right_withdrawn,
// policy_timeout, link_lost, gateway_shutdown, gateway_restart,
// recording_failed, client_failed, unknown); the web UI words its message
// from the code, never from the reason's text.

// Browser shell message types.
const (
	BrowserShellTypeResize    = "resize"
	BrowserShellTypeRecording = "recording"
	BrowserShellTypeExit      = "exit"
)

// BrowserShellMaxControl bounds a text frame from the browser.
const BrowserShellMaxControl = 1024

// BrowserShellResize asks for a new terminal size.
type BrowserShellResize struct {
	Type string `json:"type"`
	Cols int    `json:"cols"`
	Rows int    `json:"rows"`
}

// BrowserShellRecording names the recording of the shell.
type BrowserShellRecording struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// BrowserShellExit says why the shell ended.
type BrowserShellExit struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
	Code   string `json:"code"`
}

// ParseBrowserShellControl decodes a text frame from the browser: only a
// resize to 1..1000 columns and rows is valid.
func ParseBrowserShellControl(b []byte) (BrowserShellResize, error) {
	var c BrowserShellResize
	if len(b) > BrowserShellMaxControl {
		return c, fmt.Errorf("control message too large")
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("bad control message: %w", err)
	}
	if c.Type != BrowserShellTypeResize {
		return c, fmt.Errorf("unknown control message %q", c.Type)
	}
	if c.Cols < 1 || c.Rows < 1 || c.Cols > 1000 || c.Rows > 1000 {
		return c, fmt.Errorf("bad size %dx%d", c.Cols, c.Rows)
	}
	return c, nil
}
