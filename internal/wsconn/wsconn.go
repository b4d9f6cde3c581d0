// Package wsconn turns a WebSocket into a net.Conn so that SSH can run over
// it. The WebSocket is only a byte pipe: every Write becomes one binary
// message and Read drains messages in order. Text messages are refused once
// the pipe is in use, because nothing but SSH travels on it.
package wsconn

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// MaxMessage bounds one WebSocket message on the pipe. SSH packets are at
// most 256 KiB; our writers never send more than one packet per message.
const MaxMessage = 1 << 20

// Conn is a net.Conn over a *websocket.Conn.
type Conn struct {
	ws *websocket.Conn

	rmu sync.Mutex // one reader at a time
	r   io.Reader  // current message reader, nil between messages

	wmu sync.Mutex // gorilla allows one concurrent writer

	closeOnce sync.Once
	closeErr  error
}

var _ net.Conn = (*Conn)(nil)

// New wraps ws. The caller must not use ws directly afterwards.
func New(ws *websocket.Conn) *Conn {
	ws.SetReadLimit(MaxMessage)
	return &Conn{ws: ws}
}

// Read reads bytes from the current binary message, moving to the next one
// as each ends.
func (c *Conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		if c.r == nil {
			typ, r, err := c.ws.NextReader()
			if err != nil {
				return 0, mapErr(err)
			}
			if typ != websocket.BinaryMessage {
				return 0, fmt.Errorf("wsconn: unexpected message type %d", typ)
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if errors.Is(err, io.EOF) {
			c.r = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, mapErr(err)
	}
}

// Write sends p as one binary message.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, mapErr(err)
	}
	return len(p), nil
}

// Close sends a close frame (best effort, bounded by one second) and closes
// the underlying connection.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.closeErr = c.ws.Close()
	})
	return c.closeErr
}

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.ws.LocalAddr() }

// RemoteAddr returns the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.ws.RemoteAddr() }

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.ws.SetReadDeadline(t); err != nil {
		return err
	}
	return c.ws.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.ws.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.ws.SetWriteDeadline(t) }

// mapErr turns a normal close into io.EOF so SSH sees a clean end of stream.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
		return io.EOF
	}
	return err
}
