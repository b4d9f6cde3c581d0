package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// restartResult: agents connected to a gateway that is restarted (SIGTERM,
// then started again on the same data directory and port), coming back to
// their sessions with their resume tokens.
type restartResult struct {
	Agents      int     `json:"agents"`
	DownSeconds float64 `json:"down_seconds"` // SIGTERM until the new gateway serves
	Resumed     int     `json:"resumed"`      // within the 60 s observation window
	Within30s   int     `json:"within_30s"`   // resumed ≤ 30 s after the new gateway served
	P50Seconds  float64 `json:"p50_seconds"`  // after the new gateway served
	P99Seconds  float64 `json:"p99_seconds"`
	Failed      int     `json:"failed"`
}

// restart measures how fast simulated agents return after a gateway restart.
func (b *bench) restart(ctx context.Context, n int) (*restartResult, error) {
	dir := b.tempDir("restart-gateway")
	g, err := startGateway(ctx, b.procs, b.bin, dir)
	if err != nil {
		return nil, err
	}
	admin, err := newAPI(g)
	if err != nil {
		g.stop()
		return nil, err
	}
	if admin, err = admin.as("admin", adminPassword, "127.0.0.1"); err != nil {
		g.stop()
		return nil, err
	}
	const perUser = 250
	techs, err := admin.technicians("restarttech", (n+perUser-1)/perUser, [3]byte{127, 5, 0})
	if err != nil {
		g.stop()
		return nil, err
	}
	joins, err := invites(techs, n, perUser, []string{"shell"}, func(k int) { b.progress("restart: %d/%d invites created", k, n) })
	if err != nil {
		g.stop()
		return nil, err
	}
	l, err := b.startLoadgen(joins, "--source", "127.2.0.1", "--per-ip", "20", "--concurrency", "16", "--resume")
	if err != nil {
		g.stop()
		return nil, err
	}
	defer l.stop()
	ready, err := l.waitReady(ctx, l.ready, 5*time.Minute)
	if err != nil {
		g.stop()
		return nil, err
	}
	b.progress("restart: %d agents connected; restarting the gateway (SIGTERM, then start on the same data and port)", int(num(ready, "connected")))
	addr := g.addr
	down := time.Now()
	g.stop()
	os.Remove(filepath.Join(dir, "ready.json"))
	g2, err := startGateway(ctx, b.procs, b.bin, dir, "--listen", addr)
	if err != nil {
		return nil, fmt.Errorf("restart the gateway: %w", err)
	}
	defer g2.stop()
	up := time.Now()
	res := &restartResult{Agents: int(num(ready, "connected")), DownSeconds: up.Sub(down).Seconds()}
	b.progress("restart: gateway back after %.1f s; waiting for agents to resume", res.DownSeconds)
	deadline := up.Add(60 * time.Second)
	var after []float64
	for time.Now().Before(deadline) && ctx.Err() == nil {
		after, res.Failed = resumedSince(l, down, up)
		if len(after) >= res.Agents {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	sort.Float64s(after)
	res.Resumed = len(after)
	for _, s := range after {
		if s <= 30 {
			res.Within30s++
		}
	}
	if len(after) > 0 {
		res.P50Seconds, res.P99Seconds = quantileF(after, 0.50), quantileF(after, 0.99)
	}
	b.progress("restart: %d/%d resumed (%d within 30 s), p50 %.1f s, p99 %.1f s after the gateway was back; %d failed",
		res.Resumed, res.Agents, res.Within30s, res.P50Seconds, res.P99Seconds, res.Failed)
	if res.Agents == 0 {
		return res, errors.New("no agent was connected before the restart")
	}
	return res, nil
}

// resumedSince returns, for every agent that resumed, the seconds between
// the new gateway serving and its resume, and how many gave up.
func resumedSince(l *loadgen, down, up time.Time) ([]float64, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []float64
	failed := 0
	for _, m := range l.lines {
		switch m["event"] {
		case "resumed":
			// after_ms counts from when the agent saw its link drop (≈ down).
			at := down.Add(time.Duration(num(m, "after_ms") * float64(time.Millisecond)))
			out = append(out, max(at.Sub(up).Seconds(), 0))
		case "resume_failed":
			failed++
		}
	}
	return out, failed
}

func quantileF(xs []float64, q float64) float64 {
	i := int(q*float64(len(xs))+0.5) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}
