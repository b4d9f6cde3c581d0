package api

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/gateway/internal/broker"
)

// agentUpgrader keeps idle agents cheap: a small read buffer, and write
// buffers borrowed from a pool only while a message is being written.
var agentUpgrader = websocket.Upgrader{
	ReadBufferSize:  4 << 10,
	WriteBufferSize: 4 << 10,
	WriteBufferPool: &sync.Pool{},
	// Agents are programs, not browsers: they send no Origin. A request with
	// an Origin comes from a web page and is refused.
	CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "" },
}

// agent is GET /api/v1/agent: the client's connection. The HTTP part ends
// here (admission, origin, upgrade); the broker takes the upgraded
// WebSocket and runs the session. It returns when the session ends.
func (a *API) agent(w http.ResponseWriter, r *http.Request) {
	b := a.cfg.Broker
	if err := b.Admit(r.RemoteAddr); err != nil {
		var cl *broker.ConnLimitError
		if errors.As(err, &cl) {
			w.Header().Set("Retry-After", fmt.Sprint(int(cl.RetryAfter.Seconds())+1))
		}
		writeError(w, http.StatusTooManyRequests, "too many join attempts from this address; try again later")
		return
	}
	if r.Header.Get("Origin") != "" {
		writeError(w, http.StatusForbidden, "cross-origin agent connections are not allowed")
		return
	}
	ws, err := agentUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader already answered
	}
	b.Accept(r.Context(), ws, r.RemoteAddr) // logged by the broker; the session has ended
}
