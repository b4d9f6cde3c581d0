package main

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// staller opens TLS+WebSocket connections to the agent endpoint and never
// sends Hello, then measures how long the gateway takes to close each one.
type staller struct {
	join        wire.Join
	src         *sourceAddrs
	count       int
	concurrency int
	wait        time.Duration
	log         *slog.Logger
	out         *reporter
}

// stallResult summarises a stall run.
type stallResult struct {
	Event      string  `json:"event"` // "stall"
	Opened     int     `json:"opened"`
	Failed     int     `json:"failed"`
	Closed     int     `json:"closed"`
	StillOpen  int     `json:"still_open"`
	OpenMS     float64 `json:"open_ms"` // time to open them all
	CloseP50MS float64 `json:"close_p50_ms"`
	CloseMaxMS float64 `json:"close_max_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

func (s *staller) run(ctx context.Context) error {
	start := time.Now()
	var (
		mu       sync.Mutex
		closeMS  []float64
		failed   int
		firstErr string
		opened   atomic.Int64
		wg       sync.WaitGroup
		sem      = make(chan struct{}, max(1, s.concurrency))
		deadline = make(chan struct{})
	)
	for i := 0; i < s.count; i++ {
		src, err := s.src.addr(i)
		if err != nil {
			return err
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, u := dialer(s.join, src)
			ws, resp, err := d.DialContext(ctx, u.String(), http.Header{"User-Agent": {"tether-loadgen-stall"}})
			<-sem
			if err != nil {
				mu.Lock()
				failed++
				if firstErr == "" {
					firstErr = err.Error()
					if resp != nil {
						firstErr = resp.Status
					}
				}
				mu.Unlock()
				return
			}
			opened.Add(1)
			t0 := time.Now()
			done := make(chan struct{})
			go func() { // the gateway closes the socket: the read fails
				defer close(done)
				for {
					if _, _, err := ws.ReadMessage(); err != nil {
						return
					}
				}
			}()
			select {
			case <-done:
				mu.Lock()
				closeMS = append(closeMS, ms(time.Since(t0)))
				mu.Unlock()
			case <-deadline:
			case <-ctx.Done():
			}
			ws.Close()
			<-done
		}()
	}
	openMS := ms(time.Since(start))
	s.out.progressf("stall: %d connections opened in %.0f ms, waiting up to %s for the gateway to close them", opened.Load(), openMS, s.wait)
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(s.wait):
		close(deadline)
		<-all
	case <-ctx.Done():
		<-all
	}
	sort.Float64s(closeMS)
	r := stallResult{Event: "stall", Opened: int(opened.Load()), Failed: failed, Closed: len(closeMS),
		StillOpen: int(opened.Load()) - len(closeMS), OpenMS: openMS, FirstError: firstErr,
		CloseP50MS: quantile(closeMS, 0.5), CloseMaxMS: quantile(closeMS, 1)}
	s.out.result(r)
	return nil
}
