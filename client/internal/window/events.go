package window

import (
	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/internal/wire"
)

// Event shows one agent event: a line in the activity log, and what is
// open now (shell, diagnostics with the files and hosts it reads, screen
// watched, control taken).
func (w *Window) Event(e agent.Event) {
	now := w.cfg.Now()
	w.update(func(st *state) {
		switch e.Kind {
		case agent.EventDiagCollected, agent.EventChat, agent.EventRevoked, agent.EventFileAsk:
			// details for the terminal; chat and revokes are shown on their own
		case agent.EventConnected:
			st.log(now, orSomeone(e.Actor)+" is connected.")
		case agent.EventReconnecting:
			if e.Restart {
				st.log(now, "The gateway is restarting. Reconnecting in a moment…")
			} else {
				st.log(now, "The connection dropped. Reconnecting…")
			}
		case agent.EventFileProgress:
			if e.Done == 0 {
				st.log(now, e.Message) // the start, not every quarter
			}
		default:
			st.log(now, e.Message)
		}
		switch e.Kind {
		case agent.EventConnected:
			st.Connected = true
			st.Problem = ""
			if e.Actor != "" {
				st.Technician = e.Actor
			}
			if st.Phase != phaseEnded {
				st.Phase = phaseHelped
			}
		case agent.EventReconnecting:
			st.Connected = false
			st.Problem = "The connection to your technician dropped. Tether is reconnecting…"
			if e.Restart {
				st.Problem = "Tether's gateway is restarting. Tether reconnects in a moment…"
			}
			st.open = map[wire.Scope]int{}
		case agent.EventChannelOpen:
			sc := wire.Scope(e.What)
			st.open[sc]++
			if sc == wire.ScopeDiagnostics && st.open[sc] == 1 {
				st.Now.DiagLines = nil
			}
		case agent.EventChannelClose:
			sc := wire.Scope(e.What)
			if st.open[sc] > 0 {
				st.open[sc]--
			}
			if sc == wire.ScopeScreen && st.open[sc] == 0 {
				st.Now.Control = false
			}
		case agent.EventDiagAccess:
			st.Now.DiagLines = append(st.Now.DiagLines, wire.StripControl(trimIndent(e.Message), 300))
			if n := len(st.Now.DiagLines); n > maxNowLines {
				st.Now.DiagLines = st.Now.DiagLines[n-maxNowLines:]
			}
		case agent.EventControl:
			st.Now.Control = controlActive(e)
		case agent.EventFileProgress:
			st.Transfer = &transferView{Name: e.What, Text: wire.StripControl(trimIndent(e.Message), 500), Done: e.Done, Total: e.Total, Active: true}
		case agent.EventFileDone, agent.EventFileFailed, agent.EventFileRefused:
			st.Transfer = &transferView{Name: e.What, Text: wire.StripControl(e.Message, 500), Done: e.Done, Total: e.Total}
		case agent.EventEnded:
			st.Connected = false
			st.open = map[wire.Scope]int{}
			st.Now.Control = false
		}
		st.Now.Shell = st.open[wire.ScopeShell] > 0
		st.Now.Diagnostics = st.open[wire.ScopeDiagnostics] > 0
		st.Now.Screen = st.open[wire.ScopeScreen] > 0
		if !st.Now.Diagnostics && e.Kind == agent.EventChannelClose && e.What == string(wire.ScopeDiagnostics) {
			st.Now.DiagLines = nil
		}
	})
}

func trimIndent(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

// Chat shows one chat message: from the technician, or (mine) one the
// user sent from elsewhere (the terminal). Messages sent from the window
// are shown by the window itself once Actions.Say succeeded.
func (w *Window) Chat(m wire.ChatMessage, mine bool) {
	text := wire.CleanChatText(m.Text)
	if text == "" {
		return
	}
	at := m.At
	if at.IsZero() {
		at = w.cfg.Now()
	}
	line := chatLine{Sender: "technician", Author: wire.CleanText(m.From, 64), Text: text, At: at}
	if mine {
		line.Sender, line.Author = "user", "You"
	}
	w.update(func(st *state) { st.addChat(line) })
}

func (st *state) addChat(l chatLine) {
	st.Chat = append(st.Chat, l)
	if len(st.Chat) > maxChat {
		st.Chat = st.Chat[len(st.Chat)-maxChat:]
	}
}
