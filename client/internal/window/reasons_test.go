package window

import (
	"testing"

	"github.com/tetherhq/tether/client/internal/agent"
)

// TestWindowSaysWhyTheShellClosed: the window shows the agent's reason for
// a closed shell, and a gateway restart as a restart, not a dropped link.
func TestWindowSaysWhyTheShellClosed(t *testing.T) {
	w := start(t, Config{})
	p := openPage(t, w)
	w.Event(agent.Event{Kind: agent.EventConnected, Actor: "alice", Message: "alice is connected."})
	w.Event(agent.Event{Kind: agent.EventChannelOpen, What: "shell", Message: "alice opened a shell."})
	p.waitFor("shell open", func(v view) bool { return v.Now.Shell })
	const closed = "The shell closed: the gateway is restarting; the session reconnects in a moment."
	w.Event(agent.Event{Kind: agent.EventChannelClose, What: "shell", Message: closed})
	w.Event(agent.Event{Kind: agent.EventReconnecting, Restart: true, Message: "The gateway is restarting; reconnecting ..."})
	v := p.waitFor("the restart shown", func(v view) bool { return !v.Connected && v.Problem != "" })
	if v.Problem != "Tether's gateway is restarting. Tether reconnects in a moment…" {
		t.Errorf("problem = %q, want the restart", v.Problem)
	}
	if len(v.Activity) < 2 || v.Activity[0].Text != "The gateway is restarting. Reconnecting in a moment…" || v.Activity[1].Text != closed {
		t.Errorf("activity = %+v, want the restart and the shell's reason", v.Activity)
	}
}
