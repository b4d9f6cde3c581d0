package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/rights"
)

// Hub fans live events out to every signed-in browser's event stream.
// Publishing never blocks: a subscriber whose buffer is full is dropped and
// its browser reconnects (EventSource does so by itself) and reloads.
type Hub struct {
	mu     sync.Mutex
	subs   map[chan hubEvent]struct{}
	size   int
	closed bool
}

type hubEvent struct {
	name string
	data []byte
}

// NewHub returns a hub whose subscribers buffer size events each.
func NewHub(size int) *Hub {
	return &Hub{subs: map[chan hubEvent]struct{}{}, size: size}
}

// Publish sends an event named name with v as its JSON data; a store row
// is published as its API object (eventJSON).
func (h *Hub) Publish(name string, v any) {
	b, err := json.Marshal(eventJSON(v))
	if err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- hubEvent{name, b}:
		default: // too slow: drop the subscriber, it will reconnect
			delete(h.subs, ch)
			close(ch)
		}
	}
}

func (h *Hub) subscribe() (chan hubEvent, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	ch := make(chan hubEvent, h.size)
	h.subs[ch] = struct{}{}
	return ch, true
}

func (h *Hub) unsubscribe(ch chan hubEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// Close ends every stream.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}

// eventRight is what a subscriber must be allowed to read to receive an
// event: the same right that reads the same thing through the REST API.
// An event without an entry goes to nobody (fail closed).
var eventRight = map[string]auth.Action{
	"audit":     auth.ActAuditRead,
	"session":   auth.ActSessionRead,
	"ticket":    auth.ActTicketRead,
	"diag":      auth.ActTicketRead,
	"report":    auth.ActTicketRead,
	"recording": auth.ActRecordingRead,
	"chat":      auth.ActSessionRead, // the transcript is read with the session
	"ask":       auth.ActSessionRead,
	"note":      auth.ActTicketRead,    // ticket notes and worklog, read with the ticket
	"invite":    auth.ActTicketRead,    // an invite used, withdrawn or expired
	"file":      auth.ActRecordingRead, // a file transfer's progress, listed like recordings
}

// mayReceive reports whether a subscriber with role may receive event name.
func mayReceive(role, name string) bool {
	act, ok := eventRight[name]
	return ok && auth.Can(role, act)
}

// events streams Server-Sent Events to a signed-in browser: only the events
// its user may read through REST, and only while the user keeps the right
// to be signed in (the stream ends with an "end" event saying why).
func (a *API) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	ch, ok := a.hub.subscribe()
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "the gateway is shutting down")
		return
	}
	defer a.hub.unsubscribe(ch)
	ctx, release := a.hold(r.Context(), r, "events", "", 0, "")
	defer release()
	role := string(who(r).Role)
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n: connected\n\n")
	fl.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			if cause := context.Cause(ctx); errors.Is(cause, rights.ErrWithdrawn) {
				b, _ := json.Marshal(toStreamEndJSON(cause))
				fmt.Fprintf(w, "event: end\ndata: %s\n\n", b)
				fl.Flush()
			}
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if !mayReceive(role, ev.name) {
				continue
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.name, ev.data)
		}
		fl.Flush()
	}
}
