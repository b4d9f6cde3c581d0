package app

import (
	"context"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/window"
	"github.com/tetherhq/tether/internal/wire"
)

// withChatAndAsks sets chat, asks and the consent method: how consent is asked,
// where chat messages go, who answers live requests (nil: refused).
func withChatAndAsks(cfg *agent.Config, method string, chat func(wire.ChatMessage), ask agent.AskFunc) {
	cfg.ConsentMethod = method
	cfg.Chat = chat
	cfg.Ask = ask
}

func revoker(ag *agent.Agent, ch chan<- wire.Scopes, sessionCtx context.Context) func(context.Context, wire.Scopes) error {
	return ag.Revoke
}

// syncGranted shows the agent's granted set after it changed.
func syncGranted(w *window.Window, ag *agent.Agent, e agent.Event) {
	if ag == nil || w == nil {
		return
	}
	switch e.Kind {
	case agent.EventGranted, agent.EventRevoked, agent.EventConnected:
		w.SetGranted(ag.Granted())
	}
}
