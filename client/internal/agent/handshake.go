package agent

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"runtime"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/internal/wire"
	"github.com/tetherhq/tether/internal/wsconn"
)

// AgentPath is the gateway's WebSocket endpoint for clients.
const AgentPath = "/api/v1/agent"

// handshakeResult is what a successful handshake leaves behind.
type handshakeResult struct {
	ws         *websocket.Conn
	offer      wire.Offer
	welcome    wire.Welcome
	granted    wire.Scopes
	hostKey    ssh.Signer
	gatewayKey ssh.PublicKey
	// resumed: this link came from a Resume. If its SSH handshake fails the
	// session is still there, and the token of this Welcome resumes it.
	resumed bool
}

// dial opens the WebSocket to the gateway's agent endpoint over pinned TLS.
func dial(ctx context.Context, cfg *Config) (*websocket.Conn, error) {
	tlsConf := cfg.TLS
	if tlsConf == nil {
		host, _, _ := net.SplitHostPort(cfg.Join.Addr)
		tlsConf = certs.PinnedClientConfig(cfg.Join.Fingerprint, host)
	}
	d := websocket.Dialer{
		TLSClientConfig:  tlsConf,
		HandshakeTimeout: cfg.HandshakeTimeout,
		ReadBufferSize:   cfg.BufferSize,
		WriteBufferSize:  cfg.BufferSize,
		Proxy:            http.ProxyFromEnvironment,
		NetDialContext:   cfg.Dial, // nil: a net.Dialer
	}
	u := url.URL{Scheme: "wss", Host: cfg.Join.Addr, Path: AgentPath}
	dctx, cancel := context.WithTimeout(ctx, cfg.HandshakeTimeout)
	defer cancel()
	ws, resp, err := d.DialContext(dctx, u.String(), http.Header{"User-Agent": {"tether-client/" + cfg.Version}})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("agent: connect to %s: gateway answered %s", cfg.Join.Addr, wire.CleanText(resp.Status, 64))
		}
		if errors.Is(err, certs.ErrFingerprintMismatch) {
			return nil, fmt.Errorf("agent: connect to %s: the gateway's certificate does not match the fingerprint in the join link; refusing to connect: %w", cfg.Join.Addr, err)
		}
		return nil, fmt.Errorf("agent: connect to %s: %w", cfg.Join.Addr, err)
	}
	ws.SetReadLimit(wire.MaxHandshakeMessage)
	return ws, nil
}

// handshake dials the gateway and runs Hello → Offer → (consent) → Accept → Welcome.
func handshake(ctx context.Context, cfg *Config) (*handshakeResult, error) {
	return onConn(ctx, cfg, func(ws *websocket.Conn) (*handshakeResult, error) { return join(ctx, cfg, ws) })
}

// onConn dials the gateway and runs exchange on the connection; the
// connection is closed unless exchange succeeds, and closing it is also
// what unblocks exchange's reads when ctx ends.
func onConn(ctx context.Context, cfg *Config, exchange func(*websocket.Conn) (*handshakeResult, error)) (*handshakeResult, error) {
	ws, err := dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()
	res, err := exchange(ws)
	if err != nil {
		ws.Close()
		return nil, err
	}
	return res, nil
}

// join runs Hello → Offer → (consent) → Accept → Welcome on ws.
func join(ctx context.Context, cfg *Config, ws *websocket.Conn) (*handshakeResult, error) {
	hello := wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Code: cfg.Join.Code, Client: cfg.Version}
	if err := writeJSON(ws, cfg.HandshakeTimeout, hello); err != nil {
		return nil, fmt.Errorf("agent: send hello: %w", err)
	}
	msg, err := readMsg(ws, time.Now().Add(cfg.HandshakeTimeout))
	if err != nil {
		return nil, ctxErr(ctx, fmt.Errorf("agent: read offer: %w", err))
	}
	if err := asRefusal(msg); err != nil {
		return nil, err
	}
	offer, err := wire.ParseOffer(msg)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}

	asked, _ := wire.NewScopes(offer.Scopes)
	granted, err := cfg.Consent(ctx, offer)
	if err == nil {
		granted = granted.Intersect(asked) // never grant what was not asked
	}
	if err != nil || len(granted) == 0 {
		_ = writeJSON(ws, cfg.HandshakeTimeout, wire.Decline{Type: wire.TypeDecline, Reason: "declined by user"})
		if ctx.Err() != nil {
			return nil, ErrEndedByUser
		}
		if err != nil && !errors.Is(err, ErrDeclined) {
			return nil, fmt.Errorf("agent: consent: %w", err)
		}
		return nil, ErrDeclined
	}
	hostKey, err := newHostKey()
	if err != nil {
		return nil, err
	}
	accept := wire.Accept{
		Type:    wire.TypeAccept,
		Granted: granted.Strings(),
		Host:    cfg.Host,
		HostKey: string(ssh.MarshalAuthorizedKey(hostKey.PublicKey())),
		Consent: cfg.ConsentMethod,
	}
	if err := writeJSON(ws, cfg.HandshakeTimeout, accept); err != nil {
		return nil, fmt.Errorf("agent: send accept: %w", err)
	}
	res, err := readWelcome(ctx, cfg, ws, granted, hostKey)
	if err != nil {
		return nil, err
	}
	res.offer = offer
	return res, nil
}

// resume reconnects to an existing session with its resume token.
func resume(ctx context.Context, cfg *Config, prev *handshakeResult, granted wire.Scopes) (*handshakeResult, error) {
	return onConn(ctx, cfg, func(ws *websocket.Conn) (*handshakeResult, error) { return resumeOn(ctx, cfg, ws, prev, granted) })
}

func resumeOn(ctx context.Context, cfg *Config, ws *websocket.Conn, prev *handshakeResult, granted wire.Scopes) (*handshakeResult, error) {
	hostKey, err := newHostKey()
	if err != nil {
		return nil, err
	}
	msg := wire.Resume{Type: wire.TypeResume, Protocol: wire.ProtocolVersion, SessionID: prev.welcome.SessionID,
		Token: prev.welcome.ResumeToken, Client: cfg.Version, Granted: granted.Strings(), Host: cfg.Host,
		HostKey: string(ssh.MarshalAuthorizedKey(hostKey.PublicKey()))}
	if err := writeJSON(ws, cfg.HandshakeTimeout, msg); err != nil {
		return nil, fmt.Errorf("agent: send resume: %w", err)
	}
	res, err := readWelcome(ctx, cfg, ws, granted, hostKey)
	if err != nil {
		return nil, err
	}
	res.offer, res.resumed = prev.offer, true
	return res, nil
}

func newHostKey() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("agent: host key: %w", err)
	}
	hostKey, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("agent: host key: %w", err)
	}
	return hostKey, nil
}

// readWelcome reads the gateway's Welcome (or refusal) and pins its key.
func readWelcome(ctx context.Context, cfg *Config, ws *websocket.Conn, granted wire.Scopes, hostKey ssh.Signer) (*handshakeResult, error) {
	msg, err := readMsg(ws, time.Now().Add(cfg.HandshakeTimeout))
	if err != nil {
		return nil, ctxErr(ctx, fmt.Errorf("agent: read welcome: %w", err))
	}
	if err := asRefusal(msg); err != nil {
		return nil, err
	}
	welcome, err := wire.ParseWelcome(msg)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	gwKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(welcome.GatewayKey))
	if err != nil {
		return nil, fmt.Errorf("agent: bad gateway key: %w", err)
	}
	if _, isCert := gwKey.(*ssh.Certificate); isCert {
		return nil, errors.New("agent: gateway offered a certificate instead of a key; refusing")
	}
	finalGranted, _ := wire.NewScopes(welcome.Granted)
	ws.SetReadDeadline(time.Time{})
	ws.SetWriteDeadline(time.Time{})
	return &handshakeResult{ws: ws, welcome: welcome, granted: finalGranted.Intersect(granted), hostKey: hostKey, gatewayKey: gwKey}, nil
}

// serverConfig returns an SSH server config that accepts exactly the
// gateway key from the handshake. The callback records nothing: the
// decision depends only on the key being checked (CVE-2024-45337).
func (h *handshakeResult) serverConfig() *ssh.ServerConfig {
	want := h.gatewayKey.Marshal()
	conf := &ssh.ServerConfig{
		MaxAuthTries: 3,
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if subtle.ConstantTimeCompare(key.Marshal(), want) == 1 {
				return &ssh.Permissions{}, nil
			}
			return nil, errors.New("key not allowed")
		},
		ServerVersion: "SSH-2.0-Tether-Agent",
	}
	conf.AddHostKey(h.hostKey)
	return conf
}

func (h *handshakeResult) conn() net.Conn { return wsconn.New(h.ws) }

func writeJSON(ws *websocket.Conn, timeout time.Duration, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ws.SetWriteDeadline(time.Now().Add(timeout))
	return ws.WriteMessage(websocket.TextMessage, b)
}

func readMsg(ws *websocket.Conn, deadline time.Time) ([]byte, error) {
	ws.SetReadDeadline(deadline)
	typ, b, err := ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	if typ != websocket.TextMessage {
		return nil, errors.New("unexpected binary message during handshake")
	}
	return b, nil
}

func asRefusal(msg []byte) error {
	typ, err := wire.MessageType(msg)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	if typ != wire.TypeError {
		return nil
	}
	e, err := wire.ParseError(msg)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	return fmt.Errorf("agent: the gateway refused: %w", e)
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ErrEndedByUser
	}
	return err
}

// LocalHost describes this machine from the OS.
func LocalHost() wire.HostInfo {
	h := wire.HostInfo{OS: runtime.GOOS, Arch: runtime.GOARCH, OSVersion: osVersion()}
	h.Hostname, _ = os.Hostname()
	if u, err := user.Current(); err == nil {
		h.User = u.Username
	}
	return h.Clean()
}
