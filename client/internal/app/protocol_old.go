//go:build !agent13

package app

// Until the agent helper's work is merged (issue 13, contract section 3)
// agent.Config has no ConsentMethod, Chat or Ask, agent.Agent.Revoke and
// Granted are stubs: the faces revoke through Config.Revoke and keep their
// own granted set. Build with -tags agent13 (protocol13.go) once merged,
// then delete this file and the tag.

import (
	"context"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/window"
	"github.com/tetherhq/tether/internal/wire"
)

// protocol13 reports whether chat, live asks and the consent method are wired.
const protocol13 = false

func withProtocol13(cfg *agent.Config, method string, chat func(wire.ChatMessage), ask agent.AskFunc) {
}

func revoker(ag *agent.Agent, ch chan<- wire.Scopes, sessionCtx context.Context) func(context.Context, wire.Scopes) error {
	return revokeChan(ch, sessionCtx)
}

func syncGranted(w *window.Window, ag *agent.Agent, e agent.Event) {}
