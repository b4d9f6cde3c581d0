package api

import (
	"time"

	"github.com/gorilla/websocket"
)

// wsMessages is a browser's WebSocket as the message-framed connection
// the terminal bridge (term.Browser) and the screen views (screen.Conn)
// take: text and binary messages, a write deadline per write, and a
// close frame with a reason. Its writes are serialised by its user.
type wsMessages struct {
	ws        *websocket.Conn
	writeWait time.Duration
}

func (c wsMessages) ReadMessage() (bool, []byte, error) {
	typ, p, err := c.ws.ReadMessage()
	return typ == websocket.TextMessage, p, err
}

func (c wsMessages) WriteBinary(p []byte) error { return c.write(websocket.BinaryMessage, p) }
func (c wsMessages) WriteText(p []byte) error   { return c.write(websocket.TextMessage, p) }

func (c wsMessages) write(typ int, p []byte) error {
	c.ws.SetWriteDeadline(time.Now().Add(c.writeWait))
	return c.ws.WriteMessage(typ, p)
}

// Close sends a normal close frame carrying reason, then closes.
func (c wsMessages) Close(reason string) error {
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, reason), time.Now().Add(time.Second))
	return c.ws.Close()
}
