package wsconn

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// pair returns two ends of a real WebSocket over loopback.
func pair(t *testing.T) (client, server *Conn) {
	t.Helper()
	ch := make(chan *Conn, 1)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		ch <- New(ws)
	}))
	t.Cleanup(srv.Close)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	client = New(ws)
	server = <-ch
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestRoundTripAcrossMessages(t *testing.T) {
	c, s := pair(t)
	want := make([]byte, 300_000)
	rand.Read(want)
	go func() {
		// Several writes of odd sizes: the reader must see one continuous stream.
		for off := 0; off < len(want); off += 7777 {
			end := min(off+7777, len(want))
			if _, err := c.Write(want[off:end]); err != nil {
				t.Errorf("write: %v", err)
				return
			}
		}
		c.Close()
	}()
	got, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d (content differs: %v)", len(got), len(want), len(got) == len(want))
	}
}

func TestTextMessageRefused(t *testing.T) {
	c, s := pair(t)
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := s.Read(buf); err == nil {
		t.Fatal("Read of a text message: got nil error, want refusal")
	}
}

func TestOversizedMessageRefused(t *testing.T) {
	c, s := pair(t)
	go c.Write(make([]byte, MaxMessage+1))
	_, err := io.ReadAll(s)
	if err == nil {
		t.Fatal("reading an oversized message: got nil error, want read limit error")
	}
}
