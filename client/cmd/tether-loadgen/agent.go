package main

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/shell"
	"github.com/tetherhq/tether/internal/wire"
)

const handshakeTimeout = 20 * time.Second

// bufferSize is each agent's WebSocket read and write buffer: idle agents
// by the thousand in one process need little.
const bufferSize = 4 << 10

// errNoShells is the shell start failure of agents without --shell or
// --synthetic: they refuse every shell.
var errNoShells = errors.New("this simulated client serves no shells")

// fleet runs one agent (the real client/internal/agent) per join string.
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
		wg      sync.WaitGroup // every agent, until its session ends
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
			t0 := time.Now()
			var (
				once      sync.Once
				connected bool
				dropped   time.Time
			)
			handshakeDone := func() { once.Do(func() { <-sem; hsWG.Done() }) }
			// Connected and Reconnecting come from agent.Run's own
			// goroutine, one at a time; other kinds are ignored.
			events := func(e agent.Event) {
				switch e.Kind {
				case agent.EventConnected:
					if connected {
						f.out.result(map[string]any{"event": "resumed", "index": i, "after_ms": ms(time.Since(dropped))})
						return
					}
					connected = true
					res := agentResult{Event: "agent", Index: i, Source: src.IP.String(), SetupMS: ms(time.Since(t0)), SessionID: e.Session}
					f.connected.Add(1)
					f.live.Add(1)
					mu.Lock()
					setups = append(setups, res.SetupMS)
					mu.Unlock()
					f.out.result(res)
					handshakeDone()
				case agent.EventReconnecting:
					dropped = time.Now()
				}
			}
			err := agent.Run(ctx, f.agentConfig(j, src, events))
			if !connected {
				f.failed.Add(1)
				if err == nil {
					err = errors.New("the session ended before it was connected")
				}
				f.log.Info("agent failed", "index", i, "err", err)
				f.out.result(agentResult{Event: "agent", Index: i, Source: src.IP.String(), SetupMS: ms(time.Since(t0)), Error: err.Error()})
				handshakeDone()
				return
			}
			if f.resume && err != nil && ctx.Err() == nil {
				f.out.result(map[string]any{"event": "resume_failed", "index": i, "error": err.Error()})
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

// agentConfig is the real client's agent configuration for one simulated
// user who grants every offered scope, dialing from src.
func (f *fleet) agentConfig(j wire.Join, src *net.TCPAddr, events func(agent.Event)) agent.Config {
	nd := &net.Dialer{LocalAddr: src, Timeout: handshakeTimeout}
	cfg := agent.Config{
		Join:    j,
		Version: "loadgen",
		Consent: func(_ context.Context, o wire.Offer) (wire.Scopes, error) {
			sc, _ := wire.NewScopes(o.Scopes)
			return sc, nil
		},
		Host:             wire.HostInfo{Hostname: "loadgen-" + src.IP.String(), OS: "linux", Arch: "amd64", User: "loadgen"},
		Shell:            shell.Config{Shell: f.shellProgram, Env: []string{"PS1=$ "}},
		Events:           events,
		HandshakeTimeout: handshakeTimeout,
		ResumeWindow:     -1,
		Log:              f.log,
		Dial:             nd.DialContext,
		BufferSize:       bufferSize,
	}
	if f.resume {
		cfg.ResumeWindow = 0 // the client's default, 5 minutes
	}
	switch {
	case f.synthetic:
		cfg.StartShell = func(shell.Config) (agent.Shell, error) { return newSynthetic(), nil }
	case !f.shells:
		cfg.StartShell = func(shell.Config) (agent.Shell, error) { return nil, errNoShells }
	}
	return cfg
}

// dialer returns a WebSocket dialer that pins the gateway and dials from
// src, for the stalled connections (which are not agents).
func dialer(j wire.Join, src *net.TCPAddr) (*websocket.Dialer, *url.URL) {
	host, _, _ := net.SplitHostPort(j.Addr)
	nd := &net.Dialer{LocalAddr: src, Timeout: handshakeTimeout}
	var tlsConf *tls.Config = certs.PinnedClientConfig(j.Fingerprint, host)
	return &websocket.Dialer{
		NetDialContext:   nd.DialContext,
		TLSClientConfig:  tlsConf,
		HandshakeTimeout: handshakeTimeout,
		ReadBufferSize:   bufferSize,
		WriteBufferSize:  bufferSize,
	}, &url.URL{Scheme: "wss", Host: j.Addr, Path: agent.AgentPath}
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
