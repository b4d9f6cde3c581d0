package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// shellsResult is many shells streaming output at once through one gateway.
type shellsResult struct {
	Shells          int     `json:"shells"`
	Completed       int     `json:"completed"`
	BytesPerShell   int64   `json:"input_bytes_per_shell"`
	TotalBytes      int64   `json:"bytes_received"`
	Seconds         float64 `json:"seconds"`
	AggregateMBs    float64 `json:"aggregate_mb_s"`
	GatewayCPU      float64 `json:"gateway_cpu_percent"` // of one core, averaged over the run
	GatewayCPUPerMB float64 `json:"gateway_cpu_ms_per_mb"`
	PeakRSSKiB      int64   `json:"peak_rss_kib"`
	FirstError      string  `json:"first_error,omitempty"`
}

func (b *bench) manyShells(ctx context.Context, n int, size int64) (*shellsResult, error) {
	dir := b.tempDir("shells-gateway")
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
	ticket, err := admin.ticket("bench shells")
	if err != nil {
		return nil, err
	}
	joins := make([]string, n)
	for i := range joins {
		if joins[i], err = admin.invite(ticket, "shell"); err != nil {
			return nil, err
		}
	}
	l, err := b.startLoadgen(joins, "--shell", "--source", "127.3.0.1", "--per-ip", "20", "--concurrency", "16")
	if err != nil {
		return nil, err
	}
	defer l.stop()
	if _, err := l.waitReady(ctx, l.ready, 2*time.Minute); err != nil {
		return nil, err
	}
	ids := l.sessions()
	b.progress("%d shells: %d agents connected, opening shells", n, len(ids))
	terms := make([]*term, len(ids))
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, err := admin.dialShell(id, 120, 40)
			if err != nil {
				errs <- err
				return
			}
			terms[i] = wsTerm(ws)
			if _, err := terms[i].waitFor("", 30*time.Second); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, t := range terms {
			if t != nil {
				t.close()
			}
		}
	}()
	res := &shellsResult{Shells: n, BytesPerShell: size}
	select {
	case err := <-errs:
		res.FirstError = err.Error()
	default:
	}
	p0, _ := readProc(g.cmd.Process.Pid)
	t0 := time.Now()
	var total atomic.Int64
	var completed atomic.Int64
	stopSampling := make(chan struct{})
	peak := p0.RSSKiB
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tick.C:
				if p, err := readProc(g.cmd.Process.Pid); err == nil && p.RSSKiB > peak {
					peak = p.RSSKiB
				}
			}
		}
	}()
	for _, t := range terms {
		if t == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, n, err := throughput(t, size)
			total.Add(n)
			if err != nil {
				select {
				case errs <- err:
				default:
				}
				return
			}
			completed.Add(1)
		}()
	}
	wg.Wait()
	el := time.Since(t0).Seconds()
	close(stopSampling)
	sampler.Wait()
	p1, _ := readProc(g.cmd.Process.Pid)
	res.Completed = int(completed.Load())
	res.TotalBytes = total.Load()
	res.Seconds = el
	res.AggregateMBs = float64(res.TotalBytes) / el / 1e6
	cpuSec := float64(p1.CPUTicks-p0.CPUTicks) / ticksPerSecond
	res.GatewayCPU = cpuSec / el * 100
	if res.TotalBytes > 0 {
		res.GatewayCPUPerMB = cpuSec * 1000 / (float64(res.TotalBytes) / 1e6)
	}
	res.PeakRSSKiB = peak
	if res.FirstError == "" {
		select {
		case err := <-errs:
			res.FirstError = err.Error()
		default:
		}
	}
	b.progress("%d shells: %d completed, %.0f MB in %.1fs = %.1f MB/s aggregate; gateway CPU %.0f%% of one core (%.2f ms per MB), peak RSS %d MiB",
		n, res.Completed, float64(res.TotalBytes)/1e6, el, res.AggregateMBs, res.GatewayCPU, res.GatewayCPUPerMB, peak/1024)
	if res.FirstError != "" {
		return res, fmt.Errorf("%d shells: %s", n, res.FirstError)
	}
	return res, nil
}
