package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// loadgen is a running tether-loadgen process.
type loadgen struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	lines   []map[string]any
	ready   chan map[string]any
	stall   chan map[string]any
	stopped chan struct{}
}

// startLoadgen runs bin/tether-loadgen with args, joins on stdin.
func (b *bench) startLoadgen(joins []string, args ...string) (*loadgen, error) {
	l := &loadgen{ready: make(chan map[string]any, 1), stall: make(chan map[string]any, 1), stopped: make(chan struct{})}
	l.cmd = exec.Command(filepath.Join(b.bin, "tether-loadgen"), args...)
	l.cmd.Stdin = strings.NewReader(strings.Join(joins, "\n") + "\n")
	l.cmd.Stderr = os.Stderr
	out, err := l.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := b.procs.start(l.cmd); err != nil {
		return nil, fmt.Errorf("start tether-loadgen: %w", err)
	}
	go func() {
		defer close(l.stopped)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				continue
			}
			l.mu.Lock()
			l.lines = append(l.lines, m)
			l.mu.Unlock()
			switch m["event"] {
			case "ready":
				l.ready <- m
			case "stall":
				l.stall <- m
			}
		}
	}()
	return l, nil
}

func (l *loadgen) waitReady(ctx context.Context, ch chan map[string]any, timeout time.Duration) (map[string]any, error) {
	select {
	case m := <-ch:
		return m, nil
	case <-l.stopped:
		return nil, fmt.Errorf("tether-loadgen exited early")
	case <-time.After(timeout):
		return nil, fmt.Errorf("tether-loadgen not done within %s", timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *loadgen) sessions() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for _, m := range l.lines {
		if id, ok := m["session_id"].(string); ok && id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

func (l *loadgen) stop() { stopProc(l.cmd, 20*time.Second) }

func num(m map[string]any, k string) float64 {
	f, _ := m[k].(float64)
	return f
}

// idleResult is the footprint of idle agents on one gateway.
type idleResult struct {
	Baseline sample      `json:"baseline"`
	Levels   []idleLevel `json:"levels"`
	After    sample      `json:"after_disconnect"`
	IdleCPU  float64     `json:"idle_cpu_percent_at_max"` // gateway CPU with every agent connected and idle
}

type idleLevel struct {
	Agents             int     `json:"agents"`
	Connected          int     `json:"connected"`
	Failed             int     `json:"failed"`
	JoinSeconds        float64 `json:"join_seconds"`
	HandshakeP50MS     float64 `json:"handshake_p50_ms"`
	HandshakeP99MS     float64 `json:"handshake_p99_ms"`
	Sample             sample  `json:"sample"`
	RSSPerAgentKiB     float64 `json:"rss_per_agent_kib"`
	HeapPerAgentKiB    float64 `json:"heap_stack_per_agent_kib"`
	GoroutinesPerAgent float64 `json:"goroutines_per_agent"`
	// Marginal figures: the change from the previous level, per added
	// agent; free of the baseline's garbage and of start-up costs.
	MarginalRSSKiB     float64 `json:"marginal_rss_per_agent_kib,omitempty"`
	MarginalGoroutines float64 `json:"marginal_goroutines_per_agent,omitempty"`
}

// idleAgents connects levels[0] agents, measures, then tops up to each
// following level.
func (b *bench) idleAgents(ctx context.Context, levels []int) (*idleResult, error) {
	dir := b.tempDir("idle-gateway")
	g, err := startGateway(ctx, b.procs, b.bin, dir)
	if err != nil {
		return nil, err
	}
	defer g.stop()
	admin, err := newAPI(g)
	if err != nil {
		return nil, err
	}
	if admin, err = admin.as("admin", adminPassword, "127.0.0.1"); err != nil {
		return nil, err
	}
	total := levels[len(levels)-1]
	const perUser = 250
	techs, err := admin.technicians("loadtech", (total+perUser-1)/perUser, [3]byte{127, 4, 0})
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	joins, err := invites(techs, total, perUser, []string{"shell"}, func(n int) { b.progress("idle agents: %d/%d invites created", n, total) })
	if err != nil {
		return nil, err
	}
	b.progress("idle agents: %d invites in %.1fs", total, time.Since(t0).Seconds())
	admin.http.CloseIdleConnections()
	for _, t := range techs {
		t.http.CloseIdleConnections()
	}
	time.Sleep(2 * time.Second)
	res := &idleResult{}
	if res.Baseline, err = g.sample(); err != nil {
		return nil, err
	}
	b.progress("idle agents: gateway baseline RSS %d KiB, %d goroutines", res.Baseline.RSSKiB, res.Baseline.Goroutines)
	var gens []*loadgen
	defer func() {
		for _, l := range gens {
			l.stop()
		}
	}()
	prev := 0
	for li, n := range levels {
		// Each process gets its own source addresses: 127.1.<li*64+k>.x.
		src := fmt.Sprintf("127.1.%d.1", li*64)
		l, err := b.startLoadgen(joins[prev:n], "--source", src, "--per-ip", "20", "--concurrency", "16")
		if err != nil {
			return nil, err
		}
		gens = append(gens, l)
		ready, err := l.waitReady(ctx, l.ready, 5*time.Minute)
		if err != nil {
			return nil, err
		}
		b.progress("idle agents: +%d agents: %d connected, %d failed in %.1fs",
			n-prev, int(num(ready, "connected")), int(num(ready, "failed")), num(ready, "elapsed_ms")/1000)
		time.Sleep(5 * time.Second) // let handshake garbage be collected
		s, err := g.sample()
		if err != nil {
			return nil, err
		}
		lv := idleLevel{Agents: n, Sample: s, JoinSeconds: num(ready, "elapsed_ms") / 1000,
			HandshakeP50MS: num(ready, "setup_p50_ms"), HandshakeP99MS: num(ready, "setup_p99_ms")}
		for _, l := range gens {
			l.mu.Lock()
			for _, m := range l.lines {
				if m["event"] == "agent" {
					if m["session_id"] != nil {
						lv.Connected++
					} else {
						lv.Failed++
					}
				}
			}
			l.mu.Unlock()
		}
		if lv.Connected > 0 {
			c := float64(lv.Connected)
			lv.RSSPerAgentKiB = float64(s.RSSKiB-res.Baseline.RSSKiB) / c
			lv.HeapPerAgentKiB = (float64(s.HeapInuse+s.StackInuse) - float64(res.Baseline.HeapInuse+res.Baseline.StackInuse)) / 1024 / c
			lv.GoroutinesPerAgent = float64(s.Goroutines-res.Baseline.Goroutines) / c
		}
		if len(res.Levels) > 0 {
			p := res.Levels[len(res.Levels)-1]
			if d := float64(lv.Connected - p.Connected); d > 0 {
				lv.MarginalRSSKiB = float64(s.RSSKiB-p.Sample.RSSKiB) / d
				lv.MarginalGoroutines = float64(s.Goroutines-p.Sample.Goroutines) / d
			}
		}
		b.progress("idle agents: %d connected: RSS %d KiB (%.1f KiB/agent), heap+stacks %.1f KiB/agent, %d goroutines (%.2f/agent)",
			lv.Connected, s.RSSKiB, lv.RSSPerAgentKiB, lv.HeapPerAgentKiB, s.Goroutines, lv.GoroutinesPerAgent)
		res.Levels = append(res.Levels, lv)
		prev = n
	}
	// Where the goroutines are, for the report's recommendations.
	if err := g.saveGoroutines(filepath.Join(b.out, "idle-goroutines.txt")); err != nil {
		b.progress("idle agents: goroutine profile: %v", err)
	}
	// Gateway CPU with every agent idle (keepalives only).
	p0, _ := readProc(g.cmd.Process.Pid)
	time.Sleep(10 * time.Second)
	p1, _ := readProc(g.cmd.Process.Pid)
	res.IdleCPU = float64(p1.CPUTicks-p0.CPUTicks) / ticksPerSecond / 10 * 100
	b.progress("idle agents: gateway CPU with %d idle agents: %.1f%% of one core", total, res.IdleCPU)
	for _, l := range gens {
		l.stop()
	}
	gens = nil
	// Goroutines should return to the baseline once every agent is gone.
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := g.sample()
		if err == nil {
			res.After = s
		}
		if err == nil && s.Goroutines <= res.Baseline.Goroutines+2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	b.progress("idle agents: after disconnect: %d goroutines (baseline %d), RSS %d KiB", res.After.Goroutines, res.Baseline.Goroutines, res.After.RSSKiB)
	return res, nil
}

// stallResult is what happens to connections that never say Hello.
type stallOutcome struct {
	Connections int     `json:"connections"`
	Opened      int     `json:"opened"`
	Failed      int     `json:"failed"`
	Closed      int     `json:"closed"`
	StillOpen   int     `json:"still_open"`
	CloseP50MS  float64 `json:"close_p50_ms"`
	CloseMaxMS  float64 `json:"close_max_ms"`
	Baseline    sample  `json:"baseline"`
	PeakRSSKiB  int64   `json:"peak_rss_kib"`
	GrowthMiB   float64 `json:"rss_growth_mib"`
	FirstError  string  `json:"first_error,omitempty"`
}

func (b *bench) stalled(ctx context.Context, n int) (*stallOutcome, error) {
	dir := b.tempDir("stall-gateway")
	g, err := startGateway(ctx, b.procs, b.bin, dir)
	if err != nil {
		return nil, err
	}
	defer g.stop()
	time.Sleep(time.Second)
	res := &stallOutcome{Connections: n}
	if res.Baseline, err = g.sample(); err != nil {
		return nil, err
	}
	l, err := b.startLoadgen(nil, "--mode", "stall", "--addr", g.addr, "--fingerprint", g.fp, "--count", fmt.Sprint(n),
		"--source", "127.2.0.1", "--per-ip", "20", "--concurrency", "32", "--stall-wait", "60s")
	if err != nil {
		return nil, err
	}
	defer l.stop()
	peak := res.Baseline.RSSKiB
	done := make(chan map[string]any, 1)
	go func() {
		m, _ := l.waitReady(ctx, l.stall, 90*time.Second)
		done <- m
	}()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var m map[string]any
wait:
	for {
		select {
		case m = <-done:
			break wait
		case <-tick.C:
			if p, err := readProc(g.cmd.Process.Pid); err == nil && p.RSSKiB > peak {
				peak = p.RSSKiB
			}
		}
	}
	if m == nil {
		return nil, fmt.Errorf("stall run gave no result")
	}
	res.Opened, res.Failed, res.Closed = int(num(m, "opened")), int(num(m, "failed")), int(num(m, "closed"))
	res.StillOpen, res.CloseP50MS, res.CloseMaxMS = int(num(m, "still_open")), num(m, "close_p50_ms"), num(m, "close_max_ms")
	res.FirstError, _ = m["first_error"].(string)
	res.PeakRSSKiB = peak
	res.GrowthMiB = float64(peak-res.Baseline.RSSKiB) / 1024
	b.progress("stalled handshakes: %d opened, %d closed by the gateway (p50 %.1fs, max %.1fs), %d still open; RSS +%.1f MiB at peak",
		res.Opened, res.Closed, res.CloseP50MS/1000, res.CloseMaxMS/1000, res.StillOpen, res.GrowthMiB)
	return res, nil
}
