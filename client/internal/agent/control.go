package agent

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// ControlIdle is how long without input from the technician before control
// counts as released (EventControl, Active false); input after that long a
// pause takes it again (Active true).
var ControlIdle = 5 * time.Second

// channelSeq numbers channels for Event.Channel, unique in the process.
var channelSeq atomic.Int64

type chanKey struct{}

// chanInfo is what a channel's events carry.
type chanInfo struct {
	id    string
	scope wire.Scope
}

// withChannel gives a new channel its id, for the events of its handler.
func withChannel(ctx context.Context, scope wire.Scope) context.Context {
	return context.WithValue(ctx, chanKey{}, chanInfo{id: fmt.Sprintf("ch-%d", channelSeq.Add(1)), scope: scope})
}

// chanEvent reports e as an event of the channel ctx carries.
func (s *session) chanEvent(ctx context.Context, e Event) {
	if ci, ok := ctx.Value(chanKey{}).(chanInfo); ok {
		e.Channel = ci.id
		if e.Scope == "" {
			e.Scope = ci.scope
		}
	}
	s.event(e)
}

// controlWatch turns the screen handler's input checks into EventControl:
// the first input after ControlIdle without any says "control taken", and
// ControlIdle without input "control released". Its timer belongs to the
// channel: stop ends it (and reports a release if control was taken).
type controlWatch struct {
	s     *session
	ctx   context.Context
	actor string

	mu     sync.Mutex
	active bool
	timer  *time.Timer
	done   bool
}

// input is called before every input event the technician sends.
func (c *controlWatch) input() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return
	}
	if c.timer == nil {
		c.timer = time.AfterFunc(ControlIdle, c.idle)
	} else {
		c.timer.Reset(ControlIdle)
	}
	if !c.active {
		c.active = true
		c.s.chanEvent(c.ctx, Event{Kind: EventControl, Actor: c.actor, Scope: wire.ScopeControl, Active: true,
			Message: fmt.Sprintf("%s took control of your mouse and keyboard.", describe(c.actor))})
	}
}

func (c *controlWatch) idle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.release()
}

// release reports the end of control; c.mu is held.
func (c *controlWatch) release() {
	if !c.active {
		return
	}
	c.active = false
	c.s.chanEvent(c.ctx, Event{Kind: EventControl, Actor: c.actor, Scope: wire.ScopeControl, Active: false,
		Message: fmt.Sprintf("%s released control.", describe(c.actor))})
}

// stop ends the watch when the channel closes.
func (c *controlWatch) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.release()
}
