package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
	"github.com/tetherhq/tether/internal/wsconn"
)

// TestAgentResumesAgainAfterALostResumeHandshake: the link drops; the
// first resume gets its Welcome (with a new token) but the link dies before
// SSH completes; the agent must try again, with the new token (which the
// gateway keeps valid until SSH completes), and end normally.
func TestAgentResumesAgainAfterALostResumeHandshake(t *testing.T) {
	key := newSigner(t)
	var (
		mu        sync.Mutex
		conns     int
		presented []string // resume tokens, in order
	)
	up := websocket.Upgrader{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		mu.Lock()
		conns++
		n := conns
		mu.Unlock()
		send := func(v any) { b, _ := json.Marshal(v); ws.WriteMessage(websocket.TextMessage, b) }
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, p, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if n == 1 {
			send(wire.Offer{Type: wire.TypeOffer, Technician: "Alice", Ticket: wire.Ticket{ID: 1, Title: "t"}, Scopes: []string{"shell"}, ExpiresAt: time.Now().Add(time.Hour)})
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		} else {
			rs, err := wire.ParseResume(p)
			if err != nil {
				t.Errorf("connection %d: want a resume: %v", n, err)
				return
			}
			mu.Lock()
			presented = append(presented, rs.Token)
			mu.Unlock()
		}
		send(wire.Welcome{Type: wire.TypeWelcome, SessionID: "s_1", Granted: []string{"shell"}, ResumeToken: fmt.Sprintf("t%d", n),
			GatewayKey: string(ssh.MarshalAuthorizedKey(key.PublicKey()))})
		if n == 2 {
			return // the link dies before the SSH handshake
		}
		ws.SetReadDeadline(time.Time{})
		cc, chans, reqs, err := ssh.NewClientConn(wsconn.New(ws), "agent", &ssh.ClientConfig{
			User: "tether", Auth: []ssh.AuthMethod{ssh.PublicKeys(key)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		})
		if err != nil {
			t.Errorf("connection %d: ssh: %v", n, err)
			return
		}
		defer cc.Close()
		go ssh.DiscardRequests(reqs)
		go func() {
			for ch := range chans {
				ch.Reject(ssh.Prohibited, "test")
			}
		}()
		if n >= 3 {
			p, _ := json.Marshal(wire.EndNotice{Reason: "done"})
			cc.SendRequest(wire.RequestEnd, true, p)
		}
	}))
	t.Cleanup(srv.Close)

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := Run(ctx, Config{
		Join:             wire.Join{Addr: srv.Listener.Addr().String(), Code: wire.NewCode()},
		TLS:              &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		Consent:          func(context.Context, wire.Offer) (wire.Scopes, error) { return wire.Scopes{wire.ScopeShell}, nil },
		Host:             wire.HostInfo{Hostname: "test", OS: "linux"},
		HandshakeTimeout: 10 * time.Second,
		ResumeWindow:     20 * time.Second,
	})
	if err != nil {
		t.Errorf("Run = %v, want nil (ended by the gateway after a resume)", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"t1", "t2"}; !slices.Equal(presented, want) {
		t.Errorf("resume tokens presented = %q, want %q (the newest Welcome's each time)", presented, want)
	}
}
