package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"
	_ "modernc.org/sqlite"

	"github.com/tetherhq/tether/internal/wire"
	"github.com/tetherhq/tether/internal/wsconn"
)

// protoAgent speaks the agent's side of the issue-13 protocol by hand
// (consent method, chat, asks) against the real gateway, so a test can
// forge what a real client never sends: an answer to an ask never made,
// scopes the ask did not name. The real agent's side of the same requests
// is tested against a scripted gateway in client/internal/agent.
type protoAgent struct {
	t       *testing.T
	conn    ssh.Conn
	welcome wire.Welcome
	chats   chan wire.ChatMessage // tether-chat requests from the gateway
	asks    chan wire.AskNotice   // tether-ask requests from the gateway
	// askReply is the reply to tether-ask (default true).
	askReply bool
}

// joinProto joins with invite code, granting granted, saying consent.
func joinProto(t *testing.T, g *gw, code, consent string, granted ...string) *protoAgent {
	t.Helper()
	u, _ := url.Parse(g.url)
	u.Scheme, u.Path = "wss", "/api/v1/agent"
	d := websocket.Dialer{TLSClientConfig: g.tls, HandshakeTimeout: 10 * time.Second}
	ws, _, err := d.Dial(u.String(), nil)
	if err != nil {
		t.Fatalf("agent dial: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	send := func(v any) {
		b, _ := json.Marshal(v)
		if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
			t.Fatalf("agent send: %v", err)
		}
	}
	recv := func() []byte {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, p, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("agent read: %v", err)
		}
		return p
	}
	_, hk, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, _ := ssh.NewSignerFromKey(hk)
	send(wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Code: code, Client: "proto"})
	if _, err := wire.ParseOffer(recv()); err != nil {
		t.Fatalf("agent: offer: %v", err)
	}
	send(wire.Accept{Type: wire.TypeAccept, Granted: granted, Host: wire.HostInfo{Hostname: "pc", OS: "linux", User: "carol"},
		HostKey: string(ssh.MarshalAuthorizedKey(hostKey.PublicKey())), Consent: consent})
	welcome, err := wire.ParseWelcome(recv())
	if err != nil {
		t.Fatalf("agent: welcome: %v", err)
	}
	gwKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(welcome.GatewayKey))
	if err != nil {
		t.Fatal(err)
	}
	conf := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(k.Marshal(), gwKey.Marshal()) {
			return &ssh.Permissions{}, nil
		}
		return nil, fmt.Errorf("no")
	}}
	conf.AddHostKey(hostKey)
	ws.SetReadDeadline(time.Time{})
	sc, chans, reqs, err := ssh.NewServerConn(wsconn.New(ws), conf)
	if err != nil {
		t.Fatalf("agent ssh: %v", err)
	}
	t.Cleanup(func() { sc.Close() })
	a := &protoAgent{t: t, conn: sc, welcome: welcome, chats: make(chan wire.ChatMessage, 16), asks: make(chan wire.AskNotice, 16), askReply: true}
	go func() {
		for r := range reqs {
			switch r.Type {
			case wire.RequestChat:
				m, err := wire.ParseChatMessage(r.Payload)
				r.Reply(err == nil, nil)
				if err == nil {
					a.chats <- m
				}
			case wire.RequestAsk:
				n, err := wire.ParseAskNotice(r.Payload)
				r.Reply(err == nil && a.askReply, nil)
				if err == nil {
					a.asks <- n
				}
			default:
				if r.WantReply {
					r.Reply(true, nil)
				}
			}
		}
	}()
	go func() {
		for nch := range chans {
			if nch.ChannelType() != wire.ChannelSession {
				nch.Reject(ssh.Prohibited, "proto agent")
				continue
			}
			ch, creqs, err := nch.Accept() // a shell that says yes and echoes nothing
			if err != nil {
				continue
			}
			go func() {
				for r := range creqs {
					if r.WantReply {
						r.Reply(true, nil)
					}
				}
				ch.Close()
			}()
		}
	}()
	return a
}

// request sends a global request and returns the gateway's reply.
func (a *protoAgent) request(name string, payload []byte) bool {
	a.t.Helper()
	ok, _, err := a.conn.SendRequest(name, true, payload)
	if err != nil {
		a.t.Fatalf("%s: %v", name, err)
	}
	return ok
}

func (a *protoAgent) nextChat() wire.ChatMessage {
	a.t.Helper()
	select {
	case m := <-a.chats:
		return m
	case <-time.After(10 * time.Second):
		a.t.Fatal("no chat message reached the agent")
		return wire.ChatMessage{}
	}
}

func (a *protoAgent) nextAsk() wire.AskNotice {
	a.t.Helper()
	select {
	case n := <-a.asks:
		return n
	case <-time.After(10 * time.Second):
		a.t.Fatal("no ask reached the agent")
		return wire.AskNotice{}
	}
}

// execDB runs one statement on the gateway's database file, as someone
// with access to the disk would, and wants one row changed.
func execDB(t *testing.T, g *gw, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(g.data, "tether.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows changed, want 1", query, n)
	}
}

type chatMsg struct {
	ID, Sender, Author, Text string
	Seq                      int64
	SessionID                string `json:"session_id"`
}

type chatResp struct {
	Messages []chatMsg
	Seal     *struct {
		SHA256   string
		Messages int
	}
	Verified bool
}

type askResp struct {
	ID, State, Via, Technician string
	Scopes, Allowed            []string
}
