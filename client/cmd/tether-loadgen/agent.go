package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/internal/wire"
	"github.com/tetherhq/tether/internal/wsconn"
)

const handshakeTimeout = 20 * time.Second

// fleet runs one simulated agent per join string.
type fleet struct {
	joins        []wire.Join
	src          *sourceAddrs
	concurrency  int
	shells       bool
	synthetic    bool
	shellProgram string
	resume       bool // reconnect like the real client when the link drops
	log          *slog.Logger
	out          *reporter

	connected atomic.Int64
	failed    atomic.Int64
	live      atomic.Int64
}

// agentResult is one agent's handshake outcome.
type agentResult struct {
	Event     string  `json:"event"` // "agent"
	Index     int     `json:"index"`
	SessionID string  `json:"session_id,omitempty"`
	Source    string  `json:"source"`
	SetupMS   float64 `json:"setup_ms"`
	Error     string  `json:"error,omitempty"`
}

// fleetReady is printed once every agent finished its handshake.
type fleetReady struct {
	Event     string  `json:"event"` // "ready"
	Connected int64   `json:"connected"`
	Failed    int64   `json:"failed"`
	ElapsedMS float64 `json:"elapsed_ms"`
	SetupP50  float64 `json:"setup_p50_ms"`
	SetupP99  float64 `json:"setup_p99_ms"`
}

func (f *fleet) run(ctx context.Context) error {
	start := time.Now()
	sem := make(chan struct{}, max(1, f.concurrency))
	var (
		wg      sync.WaitGroup // every agent, until it disconnects
		hsWG    sync.WaitGroup // every handshake
		mu      sync.Mutex
		setups  []float64
		lastLog = time.Now()
	)
	for i, j := range f.joins {
		src, err := f.src.addr(i)
		if err != nil {
			return err
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		hsWG.Add(1)
		go func() {
			defer wg.Done()
			a := &simAgent{join: j, src: src, shells: f.shells, synthetic: f.synthetic, shellProgram: f.shellProgram, log: f.log}
			t0 := time.Now()
			err := a.connect(ctx)
			<-sem
			res := agentResult{Event: "agent", Index: i, Source: src.IP.String(), SetupMS: ms(time.Since(t0))}
			if err != nil {
				f.failed.Add(1)
				res.Error = err.Error()
				f.log.Info("agent failed", "index", i, "err", err)
				f.out.result(res)
				hsWG.Done()
				return
			}
			res.SessionID = a.sessionID
			f.connected.Add(1)
			f.live.Add(1)
			mu.Lock()
			setups = append(setups, res.SetupMS)
			mu.Unlock()
			f.out.result(res)
			hsWG.Done()
			a.serve(ctx)
			for f.resume && ctx.Err() == nil {
				dropped := time.Now()
				if err := a.reconnect(ctx); err != nil {
					f.out.result(map[string]any{"event": "resume_failed", "index": i, "error": err.Error()})
					break
				}
				f.out.result(map[string]any{"event": "resumed", "index": i, "after_ms": ms(time.Since(dropped))})
				a.serve(ctx)
			}
			f.live.Add(-1)
		}()
		if time.Since(lastLog) > time.Second {
			lastLog = time.Now()
			f.out.progressf("%d/%d agents connected, %d failed", f.connected.Load(), len(f.joins), f.failed.Load())
		}
	}
	hsWG.Wait()
	sort.Float64s(setups)
	f.out.result(fleetReady{Event: "ready", Connected: f.connected.Load(), Failed: f.failed.Load(),
		ElapsedMS: ms(time.Since(start)), SetupP50: quantile(setups, 0.50), SetupP99: quantile(setups, 0.99)})
	f.out.progressf("ready: %d connected, %d failed in %s", f.connected.Load(), f.failed.Load(), time.Since(start).Round(time.Millisecond))
	wg.Wait()
	f.out.result(map[string]any{"event": "done", "connected": f.connected.Load()})
	return nil
}

// simAgent is one simulated client.
type simAgent struct {
	join         wire.Join
	src          *net.TCPAddr
	shells       bool
	synthetic    bool
	shellProgram string
	log          *slog.Logger

	sessionID string
	token     string   // resume token from the last Welcome
	granted   []string // scopes granted, sent again on resume
	hostKey   ssh.Signer
	gwKey     ssh.PublicKey
	sconn     *ssh.ServerConn
	chans     <-chan ssh.NewChannel
	reqs      <-chan *ssh.Request
}

// dialer returns a WebSocket dialer that pins the gateway and dials from src.
func dialer(j wire.Join, src *net.TCPAddr) (*websocket.Dialer, *url.URL) {
	host, _, _ := net.SplitHostPort(j.Addr)
	nd := &net.Dialer{LocalAddr: src, Timeout: handshakeTimeout}
	var tlsConf *tls.Config = certs.PinnedClientConfig(j.Fingerprint, host)
	return &websocket.Dialer{
		NetDialContext:   nd.DialContext,
		TLSClientConfig:  tlsConf,
		HandshakeTimeout: handshakeTimeout,
		ReadBufferSize:   4 << 10,
		WriteBufferSize:  4 << 10,
	}, &url.URL{Scheme: "wss", Host: j.Addr, Path: agent.AgentPath}
}

// connect runs the join handshake: Hello → Offer → Accept (every offered
// scope) → Welcome.
func (a *simAgent) connect(ctx context.Context) error {
	d, u := dialer(a.join, a.src)
	ws, resp, err := d.DialContext(ctx, u.String(), http.Header{"User-Agent": {"tether-loadgen"}})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("connect: gateway answered %s", resp.Status)
		}
		return fmt.Errorf("connect: %w", err)
	}
	ws.SetReadLimit(wire.MaxHandshakeMessage)
	ok := false
	defer func() {
		if !ok {
			ws.Close()
		}
	}()
	if err := sendJSON(ws, wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Code: a.join.Code, Client: "loadgen"}); err != nil {
		return fmt.Errorf("send hello: %w", err)
	}
	msg, err := recvText(ws)
	if err != nil {
		return fmt.Errorf("read offer: %w", err)
	}
	offer, err := wire.ParseOffer(msg)
	if err != nil {
		if e, perr := wire.ParseError(msg); perr == nil {
			return fmt.Errorf("gateway refused: %s", e.Message)
		}
		return err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if a.hostKey, err = ssh.NewSignerFromKey(priv); err != nil {
		return err
	}
	acc := wire.Accept{Type: wire.TypeAccept, Granted: offer.Scopes,
		Host:    wire.HostInfo{Hostname: "loadgen-" + a.src.IP.String(), OS: "linux", Arch: "amd64", User: "loadgen"},
		HostKey: string(ssh.MarshalAuthorizedKey(a.hostKey.PublicKey()))}
	if err := sendJSON(ws, acc); err != nil {
		return fmt.Errorf("send accept: %w", err)
	}
	if msg, err = recvText(ws); err != nil {
		return fmt.Errorf("read welcome: %w", err)
	}
	w, err := wire.ParseWelcome(msg)
	if err != nil {
		if e, perr := wire.ParseError(msg); perr == nil {
			return fmt.Errorf("gateway refused: %s", e.Message)
		}
		return err
	}
	a.granted = offer.Scopes
	if err := a.finishSSH(ws, w); err != nil {
		return err
	}
	ok = true
	return nil
}

// finishSSH pins the gateway key from the Welcome and runs the SSH server
// handshake over the WebSocket.
func (a *simAgent) finishSSH(ws *websocket.Conn, w wire.Welcome) error {
	var err error
	if a.gwKey, _, _, _, err = ssh.ParseAuthorizedKey([]byte(w.GatewayKey)); err != nil {
		return fmt.Errorf("bad gateway key: %w", err)
	}
	ws.SetReadDeadline(time.Time{})
	ws.SetWriteDeadline(time.Time{})
	a.sessionID, a.token = w.SessionID, w.ResumeToken
	// The session is live for the gateway once SSH is up: finish that here
	// so a "connected" agent can be given a shell at once.
	want := a.gwKey.Marshal()
	conf := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if subtle.ConstantTimeCompare(key.Marshal(), want) == 1 {
				return &ssh.Permissions{}, nil
			}
			return nil, errors.New("key not allowed")
		},
		ServerVersion: "SSH-2.0-Tether-Loadgen",
	}
	conf.AddHostKey(a.hostKey)
	nc := wsconn.New(ws)
	nc.SetDeadline(time.Now().Add(handshakeTimeout))
	if a.sconn, a.chans, a.reqs, err = ssh.NewServerConn(nc, conf); err != nil {
		return fmt.Errorf("ssh handshake: %w", err)
	}
	nc.SetDeadline(time.Time{})
	return nil
}

// resumeOnce reconnects to the agent's session with its resume token.
func (a *simAgent) resumeOnce(ctx context.Context) error {
	d, u := dialer(a.join, a.src)
	ws, resp, err := d.DialContext(ctx, u.String(), http.Header{"User-Agent": {"tether-loadgen"}})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("resume: gateway answered %s", resp.Status)
		}
		return fmt.Errorf("resume: %w", err)
	}
	ws.SetReadLimit(wire.MaxHandshakeMessage)
	msg := wire.Resume{Type: wire.TypeResume, Protocol: wire.ProtocolVersion, SessionID: a.sessionID, Token: a.token,
		Client: "loadgen", Granted: a.granted, Host: wire.HostInfo{Hostname: "loadgen-" + a.src.IP.String(), OS: "linux", Arch: "amd64", User: "loadgen"},
		HostKey: string(ssh.MarshalAuthorizedKey(a.hostKey.PublicKey()))}
	if err := sendJSON(ws, msg); err != nil {
		ws.Close()
		return fmt.Errorf("send resume: %w", err)
	}
	b, err := recvText(ws)
	if err != nil {
		ws.Close()
		return fmt.Errorf("read welcome: %w", err)
	}
	w, err := wire.ParseWelcome(b)
	if err != nil {
		ws.Close()
		if e, perr := wire.ParseError(b); perr == nil {
			return fmt.Errorf("gateway refused: %w", e)
		}
		return err
	}
	if err := a.finishSSH(ws, w); err != nil {
		ws.Close()
		return err
	}
	return nil
}

// reconnect retries resumeOnce with the real client's jittered exponential
// backoff (0.25 s doubling to 8 s, each wait in [b/2, 3b/2)) for 5 minutes.
func (a *simAgent) reconnect(ctx context.Context) error {
	deadline := time.Now().Add(5 * time.Minute)
	backoff := 250 * time.Millisecond
	for {
		wait := backoff/2 + time.Duration(mrand.Int64N(int64(backoff)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		err := a.resumeOnce(ctx)
		if err == nil {
			return nil
		}
		if errors.Is(err, wire.ErrNoSession) || time.Now().After(deadline) {
			return err
		}
		backoff = min(backoff*2, 8*time.Second)
	}
}

// serve runs the SSH server side until the gateway hangs up or ctx ends.
func (a *simAgent) serve(ctx context.Context) {
	sconn, chans, reqs := a.sconn, a.chans, a.reqs
	stop := context.AfterFunc(ctx, func() { sconn.Close() })
	defer stop()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for req := range reqs { // keepalives and end notices
			req.Reply(req.Type == wire.RequestKeepalive || req.Type == wire.RequestEnd, nil)
		}
	}()
	for nch := range chans {
		if nch.ChannelType() != wire.ChannelSession || !a.shells && !a.synthetic {
			nch.Reject(ssh.Prohibited, "this simulated client serves no channels")
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if a.synthetic {
				serveSynthetic(nch)
				return
			}
			serveShell(nch, a.shellProgram)
		}()
	}
	sconn.Close()
	wg.Wait()
}

func sendJSON(ws *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ws.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	return ws.WriteMessage(websocket.TextMessage, b)
}

func recvText(ws *websocket.Conn) ([]byte, error) {
	ws.SetReadDeadline(time.Now().Add(handshakeTimeout))
	typ, b, err := ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	if typ != websocket.TextMessage {
		return nil, errors.New("unexpected binary message during handshake")
	}
	return b, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// quantile returns the q-quantile of sorted xs (nearest rank), 0 when empty.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(q*float64(len(xs))+0.5) - 1
	i = min(max(i, 0), len(xs)-1)
	return xs[i]
}
