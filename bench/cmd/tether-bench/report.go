package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// report is everything one run measured.
type report struct {
	Date      string           `json:"date"`
	Machine   string           `json:"machine"`
	Seconds   float64          `json:"seconds"`
	Tether    *sideResult      `json:"tether,omitempty"`
	OpenSSH   *sideResult      `json:"openssh,omitempty"`
	Transport *transportResult `json:"transport,omitempty"`
	Recorder  *recorderResult  `json:"recorder,omitempty"`
	Idle      *idleResult      `json:"idle,omitempty"`
	Stall     *stallOutcome    `json:"stall,omitempty"`
	Shells    *shellsResult    `json:"shells,omitempty"`
	Restart   *restartResult   `json:"restart,omitempty"`
	Targets   []target         `json:"targets"`
	Errors    []string         `json:"errors,omitempty"`
}

// target is one goal from issue #7 and how this run did against it.
type target struct {
	Name   string `json:"name"`
	Goal   string `json:"goal"`
	Got    string `json:"got"`
	Status string `json:"status"` // met, missed, not measured
}

var targets = []target{
	{Name: "echo-added-p50", Goal: "gateway adds ≤ 1 ms p50 to keystroke echo (Tether − OpenSSH)"},
	{Name: "echo-added-p99", Goal: "gateway adds ≤ 5 ms p99 to keystroke echo (Tether − OpenSSH)"},
	{Name: "echo-ratio-p99", Goal: "keystroke echo p99 within 1.5× of OpenSSH"},
	{Name: "throughput-ratio", Goal: "bulk throughput ≥ 0.6× OpenSSH"},
	{Name: "throughput-abs", Goal: "bulk throughput ≥ 300 MB/s"},
	{Name: "transport-ratio", Goal: "bulk throughput without a pty ≥ 0.6× OpenSSH"},
	{Name: "transport-abs", Goal: "bulk throughput without a pty ≥ 300 MB/s"},
	{Name: "idle-memory", Goal: "≤ 64 KiB gateway RSS per idle agent (largest level)"},
	{Name: "idle-goroutines", Goal: "≤ 5 gateway goroutines per idle agent (largest level)"},
	{Name: "setup-p99", Goal: "session set-up (client start → prompt) < 300 ms p99"},
	{Name: "stall-close", Goal: "every stalled handshake closed within 30 s"},
	{Name: "stall-memory", Goal: "stalled handshakes grow gateway RSS by ≤ 100 MB"},
	{Name: "restart-99", Goal: "after a gateway restart, 99 % of the agents are back within 30 s"},
}

func (r *report) evaluate() {
	set := func(name, got string, ok bool) {
		for i := range r.Targets {
			if r.Targets[i].Name == name {
				r.Targets[i].Got = got
				r.Targets[i].Status = map[bool]string{true: "met", false: "missed"}[ok]
			}
		}
	}
	for i := range r.Targets {
		r.Targets[i].Status = "not measured"
	}
	if t, o := r.Tether, r.OpenSSH; t != nil && o != nil {
		d50, d99 := t.EchoMS.P50-o.EchoMS.P50, t.EchoMS.P99-o.EchoMS.P99
		set("echo-added-p50", fmt.Sprintf("%+.3f ms", d50), d50 <= 1)
		set("echo-added-p99", fmt.Sprintf("%+.3f ms", d99), d99 <= 5)
		if o.EchoMS.P99 > 0 {
			rt := t.EchoMS.P99 / o.EchoMS.P99
			set("echo-ratio-p99", fmt.Sprintf("%.2f×", rt), rt <= 1.5)
		}
		if o.ThroughputMed > 0 {
			rt := t.ThroughputMed / o.ThroughputMed
			set("throughput-ratio", fmt.Sprintf("%.2f×", rt), rt >= 0.6)
		}
	}
	if t := r.Tether; t != nil {
		set("throughput-abs", fmt.Sprintf("%.0f MB/s", t.ThroughputMed), t.ThroughputMed >= 300)
		set("setup-p99", fmt.Sprintf("%.0f ms", t.SetupMS.P99), t.SetupMS.P99 < 300)
	}
	if tr := r.Transport; tr != nil && tr.Tether != nil {
		set("transport-abs", fmt.Sprintf("%.0f MB/s", tr.Tether.ThroughputMed), tr.Tether.ThroughputMed >= 300)
		if tr.OpenSSH != nil && tr.OpenSSH.ThroughputMed > 0 {
			rt := tr.Tether.ThroughputMed / tr.OpenSSH.ThroughputMed
			set("transport-ratio", fmt.Sprintf("%.2f×", rt), rt >= 0.6)
		}
	}
	if r.Idle != nil && len(r.Idle.Levels) > 0 {
		lv := r.Idle.Levels[len(r.Idle.Levels)-1]
		set("idle-memory", fmt.Sprintf("%.1f KiB at %d agents", lv.RSSPerAgentKiB, lv.Connected), lv.RSSPerAgentKiB <= 64 && lv.Failed == 0)
		set("idle-goroutines", fmt.Sprintf("%.2f at %d agents", lv.GoroutinesPerAgent, lv.Connected), lv.GoroutinesPerAgent <= 5 && lv.Failed == 0)
	}
	if rs := r.Restart; rs != nil && rs.Agents > 0 {
		pct := 100 * float64(rs.Within30s) / float64(rs.Agents)
		set("restart-99", fmt.Sprintf("%.1f %% of %d within 30 s (p99 %.1f s)", pct, rs.Agents, rs.P99Seconds), pct >= 99)
	}
	if s := r.Stall; s != nil {
		set("stall-close", fmt.Sprintf("%d/%d closed, max %.1f s", s.Closed, s.Opened, s.CloseMaxMS/1000), s.StillOpen == 0 && s.Failed == 0 && s.CloseMaxMS <= 30000)
		set("stall-memory", fmt.Sprintf("+%.1f MiB", s.GrowthMiB), s.GrowthMiB*1.048576 <= 100)
	}
}

func (r *report) write(dir string) (string, string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	stamp := time.Now().UTC().Format("20060102-150405")
	js, _ := json.MarshalIndent(r, "", "  ")
	jp := filepath.Join(dir, "bench-"+stamp+".json")
	mp := filepath.Join(dir, "bench-"+stamp+".md")
	if err := os.WriteFile(jp, append(js, '\n'), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(mp, []byte(r.markdown()), 0o644); err != nil {
		return "", "", err
	}
	// Stable names for the latest run.
	os.WriteFile(filepath.Join(dir, "latest.json"), append(js, '\n'), 0o644)
	os.WriteFile(filepath.Join(dir, "latest.md"), []byte(r.markdown()), 0o644)
	return mp, jp, nil
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Tether benchmark\n\n%s on %s; the run took %.0f s. All traffic on loopback.\n\n", r.Date, r.Machine, r.Seconds)
	if t, o := r.Tether, r.OpenSSH; t != nil || o != nil {
		b.WriteString("## Interactive: Tether vs OpenSSH\n\n| figure | Tether | OpenSSH | ratio |\n|---|---|---|---|\n")
		row := func(name string, tv, ov float64, unit string) {
			ts, os, ratio := "–", "–", "–"
			if t != nil {
				ts = fmt.Sprintf("%.3f %s", tv, unit)
			}
			if o != nil {
				os = fmt.Sprintf("%.3f %s", ov, unit)
			}
			if t != nil && o != nil && ov > 0 {
				ratio = fmt.Sprintf("%.2f×", tv/ov)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, ts, os, ratio)
		}
		get := func(s *sideResult, f func(*sideResult) float64) float64 {
			if s == nil {
				return 0
			}
			return f(s)
		}
		row("keystroke echo p50", get(t, func(s *sideResult) float64 { return s.EchoMS.P50 }), get(o, func(s *sideResult) float64 { return s.EchoMS.P50 }), "ms")
		row("keystroke echo p99", get(t, func(s *sideResult) float64 { return s.EchoMS.P99 }), get(o, func(s *sideResult) float64 { return s.EchoMS.P99 }), "ms")
		row("bulk output (median)", get(t, func(s *sideResult) float64 { return s.ThroughputMed }), get(o, func(s *sideResult) float64 { return s.ThroughputMed }), "MB/s")
		row("session set-up p50", get(t, func(s *sideResult) float64 { return s.SetupMS.P50 }), get(o, func(s *sideResult) float64 { return s.SetupMS.P50 }), "ms")
		row("session set-up p99", get(t, func(s *sideResult) float64 { return s.SetupMS.P99 }), get(o, func(s *sideResult) float64 { return s.SetupMS.P99 }), "ms")
		if t != nil {
			fmt.Fprintf(&b, "\nTether set-up is measured from starting `tether-client join --accept shell` (the user has accepted) to the first byte of the prompt on the technician's WebSocket; the session was connected after %.1f ms p50 / %.1f ms p99. OpenSSH set-up is TCP dial → SSH handshake → pty → first prompt byte.\n", t.ConnectMS.P50, t.ConnectMS.P99)
		}
		b.WriteString("\n")
	}
	if tr := r.Transport; tr != nil && tr.Tether != nil && tr.OpenSSH != nil {
		t, o := tr.Tether, tr.OpenSSH
		b.WriteString("## Transport only (no pty)\n\nTether: technician WebSocket → gateway (recording on) → SSH over WebSocket → tether-loadgen's synthetic shell (echoes bytes, streams a file). OpenSSH: x/crypto/ssh client → sshd → `cat` over pipes.\n\n| figure | Tether | OpenSSH | ratio |\n|---|---|---|---|\n")
		fmt.Fprintf(&b, "| echo p50 | %.3f ms | %.3f ms | %.2f× |\n", t.EchoMS.P50, o.EchoMS.P50, t.EchoMS.P50/nz(o.EchoMS.P50))
		fmt.Fprintf(&b, "| echo p99 | %.3f ms | %.3f ms | %.2f× |\n", t.EchoMS.P99, o.EchoMS.P99, t.EchoMS.P99/nz(o.EchoMS.P99))
		fmt.Fprintf(&b, "| bulk (median of %d × %d MB) | %.1f MB/s | %.1f MB/s | %.2f× |\n\n", len(t.ThroughputMB), tr.Bytes/1e6, t.ThroughputMed, o.ThroughputMed, t.ThroughputMed/nz(o.ThroughputMed))
	}
	if rc := r.Recorder; rc != nil {
		fmt.Fprintf(&b, "## Recording\n\nasciicast writer alone: %.0f MB/s to a discarding sink, %.0f MB/s to a file (4 KiB writes of terminal text).", rc.DiscardMBs, rc.FileMBs)
		if r.Tether != nil && r.Tether.ThroughputMed > 0 && rc.FileMBs > 0 {
			share := r.Tether.ThroughputMed / rc.FileMBs * 100
			fmt.Fprintf(&b, " At the end-to-end rate of %.0f MB/s the recorder needs about %.0f%% of one core's time.", r.Tether.ThroughputMed, share)
		}
		b.WriteString("\n\n")
	}
	if rs := r.Restart; rs != nil {
		fmt.Fprintf(&b, "## Gateway restart\n\n%d agents; the gateway was down %.1f s; %d resumed (%d within 30 s of it serving again), p50 %.1f s, p99 %.1f s; %d gave up.\n\n",
			rs.Agents, rs.DownSeconds, rs.Resumed, rs.Within30s, rs.P50Seconds, rs.P99Seconds, rs.Failed)
	}
	if id := r.Idle; id != nil {
		fmt.Fprintf(&b, "## Idle agents on one gateway\n\nBaseline: %d KiB RSS, %d goroutines. Gateway CPU with all agents idle: %.1f%% of one core.\n\n", id.Baseline.RSSKiB, id.Baseline.Goroutines, id.IdleCPU)
		b.WriteString("| agents | connected | failed | join time | handshake p50/p99 | RSS | RSS/agent | marginal RSS/agent | heap+stacks/agent | goroutines/agent |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, lv := range id.Levels {
			marg := "–"
			if lv.MarginalRSSKiB != 0 {
				marg = fmt.Sprintf("%.1f KiB", lv.MarginalRSSKiB)
			}
			fmt.Fprintf(&b, "| %d | %d | %d | %.1f s | %.0f / %.0f ms | %.0f MiB | %.1f KiB | %s | %.1f KiB | %.2f |\n", lv.Agents, lv.Connected, lv.Failed, lv.JoinSeconds,
				lv.HandshakeP50MS, lv.HandshakeP99MS, float64(lv.Sample.RSSKiB)/1024, lv.RSSPerAgentKiB, marg, lv.HeapPerAgentKiB, lv.GoroutinesPerAgent)
		}
		b.WriteString("\nRSS/agent is (RSS − baseline) / agents; the baseline is taken after the invites were created, so its garbage can make the first level look small. Marginal RSS/agent is the change from the previous level per added agent. The goroutine profile at the largest level is saved as idle-goroutines.txt beside this report.\n")
		fmt.Fprintf(&b, "\nAfter every agent disconnected: %d goroutines, %d KiB RSS.\n\n", id.After.Goroutines, id.After.RSSKiB)
	}
	if s := r.Stall; s != nil {
		fmt.Fprintf(&b, "## Stalled handshakes\n\n%d TLS+WebSocket connections to /api/v1/agent that never send Hello: %d opened, %d failed, %d closed by the gateway after %.1f s p50 / %.1f s max, %d still open at the end. Gateway RSS %d KiB → peak %d KiB (+%.1f MiB).\n\n",
			s.Connections, s.Opened, s.Failed, s.Closed, s.CloseP50MS/1000, s.CloseMaxMS/1000, s.StillOpen, s.Baseline.RSSKiB, s.PeakRSSKiB, s.GrowthMiB)
	}
	if s := r.Shells; s != nil {
		fmt.Fprintf(&b, "## Concurrent shells\n\n%d shells (%d completed) each printing base64 of %d bytes: %.0f MB in %.1f s = **%.1f MB/s** aggregate; gateway CPU %.0f%% of one core (%.2f ms CPU per MB), peak RSS %d MiB.\n\n",
			s.Shells, s.Completed, s.BytesPerShell, float64(s.TotalBytes)/1e6, s.Seconds, s.AggregateMBs, s.GatewayCPU, s.GatewayCPUPerMB, s.PeakRSSKiB/1024)
	}
	b.WriteString("## Targets (issue #7)\n\n| goal | got | status |\n|---|---|---|\n")
	for _, t := range r.Targets {
		got := t.Got
		if got == "" {
			got = "–"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.Goal, got, t.Status)
	}
	if len(r.Errors) > 0 {
		b.WriteString("\n## Errors\n\n")
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	return b.String()
}

// recorderResult is BenchmarkCastOutput's throughput.
type recorderResult struct {
	DiscardMBs float64 `json:"discard_mb_s"`
	FileMBs    float64 `json:"file_mb_s"`
}

func (b *bench) recorderBench(ctx context.Context) (*recorderResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkCastOutput$", "-benchtime", "1s", "-count", "1", "./gateway/internal/recorder")
	cmd.Dir = b.repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench: %v: %s", err, out)
	}
	res := &recorderResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		for i := 1; i < len(f); i++ {
			if f[i] != "MB/s" {
				continue
			}
			v, _ := strconv.ParseFloat(f[i-1], 64)
			switch {
			case strings.Contains(f[0], "/discard"):
				res.DiscardMBs = v
			case strings.Contains(f[0], "/file"):
				res.FileMBs = v
			}
		}
	}
	b.progress("recorder: %.0f MB/s (discard), %.0f MB/s (file)", res.DiscardMBs, res.FileMBs)
	return res, nil
}

func nz(f float64) float64 {
	if f == 0 {
		return 1
	}
	return f
}
