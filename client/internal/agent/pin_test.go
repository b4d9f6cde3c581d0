package agent

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
	"github.com/tetherhq/tether/internal/wsconn"
)

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeGateway runs the agent handshake, announces pinned as its key in the
// Welcome, then authenticates over SSH with authAs. The SSH result is sent
// on the returned channel.
func fakeGateway(t *testing.T, pinned ssh.PublicKey, authAs ssh.Signer) (*httptest.Server, <-chan error) {
	t.Helper()
	result := make(chan error, 1)
	up := websocket.Upgrader{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			result <- err
			return
		}
		defer ws.Close()
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		send := func(v any) { b, _ := json.Marshal(v); ws.WriteMessage(websocket.TextMessage, b) }
		if _, p, err := ws.ReadMessage(); err != nil {
			result <- err
			return
		} else if _, err := wire.ParseHello(p); err != nil {
			result <- err
			return
		}
		send(wire.Offer{Type: wire.TypeOffer, Technician: "Mallory", Ticket: wire.Ticket{ID: 1, Title: "t"}, Scopes: []string{"shell"}, ExpiresAt: time.Now().Add(time.Hour)})
		if _, p, err := ws.ReadMessage(); err != nil {
			result <- err
			return
		} else if _, err := wire.ParseAccept(p); err != nil {
			result <- err
			return
		}
		send(wire.Welcome{Type: wire.TypeWelcome, SessionID: "s_pin", Granted: []string{"shell"}, GatewayKey: string(ssh.MarshalAuthorizedKey(pinned))})
		ws.SetReadDeadline(time.Time{})
		cc, chans, reqs, err := ssh.NewClientConn(wsconn.New(ws), "agent", &ssh.ClientConfig{
			User: "tether", Auth: []ssh.AuthMethod{ssh.PublicKeys(authAs)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		})
		if err != nil {
			result <- err
			return
		}
		go ssh.DiscardRequests(reqs)
		go func() {
			for ch := range chans {
				ch.Reject(ssh.Prohibited, "test")
			}
		}()
		result <- nil
		cc.Close()
	}))
	t.Cleanup(srv.Close)
	return srv, result
}

// runAgentAgainst runs the agent against srv until the test ends.
func runAgentAgainst(t *testing.T, srv *httptest.Server) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cfg := Config{
		Join:             wire.Join{Addr: srv.Listener.Addr().String(), Code: wire.NewCode()},
		TLS:              &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		Consent:          func(context.Context, wire.Offer) (wire.Scopes, error) { return wire.Scopes{wire.ScopeShell}, nil },
		Host:             wire.HostInfo{Hostname: "test", OS: "linux"},
		HandshakeTimeout: 10 * time.Second,
		ResumeWindow:     -1,
	}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("agent did not stop")
		}
	})
}

// TestAgentAcceptsOnlyThePinnedGatewayKey: the agent's SSH server accepts
// exactly the key from the Welcome — not another key, and not a certificate
// signed by the pinned key for another key (CVE-2025-49825 class).
func TestAgentAcceptsOnlyThePinnedGatewayKey(t *testing.T) {
	pinned := newSigner(t)
	other := newSigner(t)
	cert := &ssh.Certificate{
		Key: other.PublicKey(), CertType: ssh.UserCert, KeyId: "tether", ValidPrincipals: []string{"tether"},
		ValidAfter: 0, ValidBefore: ssh.CertTimeInfinity,
	}
	if err := cert.SignCert(rand.Reader, pinned); err != nil {
		t.Fatal(err)
	}
	certSigner, err := ssh.NewCertSigner(cert, other)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		authAs ssh.Signer
		wantOK bool
	}{
		{"a different ed25519 key", other, false},
		{"a certificate signed by the pinned key for another key", certSigner, false},
		{"the pinned key", pinned, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, result := fakeGateway(t, pinned.PublicKey(), c.authAs)
			runAgentAgainst(t, srv)
			var err error
			select {
			case err = <-result:
			case <-time.After(25 * time.Second):
				t.Fatal("the fake gateway got no SSH result")
			}
			if c.wantOK && err != nil {
				t.Fatalf("SSH auth with %s: %v, want success", c.name, err)
			}
			if !c.wantOK {
				if err == nil {
					t.Fatalf("SSH auth with %s succeeded, want refusal", c.name)
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("SSH auth with %s timed out instead of being refused: %v", c.name, err)
				}
			}
		})
	}
}
