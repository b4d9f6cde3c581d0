package diag

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

const (
	dnsSlow     = time.Second // a lookup slower than this is a warning
	lookupLimit = 8           // lookups in flight at once
)

// lookupRow is one row of data["lookups"].
type lookupRow struct {
	Name       string   `json:"name"`
	OK         bool     `json:"ok"`
	Addresses  []string `json:"addresses"`
	DurationMS int64    `json:"duration_ms"`
	Error      string   `json:"error,omitempty"`
}

// checkDNS resolves the requested names with the system resolver and times
// each lookup. Without names it resolves "localhost" only.
func checkDNS(ctx context.Context, in *input) wire.DiagResult {
	names := in.params.Names
	defaulted := len(names) == 0
	if defaulted {
		names = []string{"localhost"}
	}
	if max := in.cfg.maxHosts(); len(names) > max {
		return failed(wire.DiagError, fmt.Errorf("%d names, at most %d per run", len(names), max), "refused by the client")
	}
	rows := make([]lookupRow, len(names))
	sem := make(chan struct{}, lookupLimit)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			in.note(Access{Kind: AccessLookup, Target: name})
			rows[i] = lookup(ctx, name)
		}()
	}
	wg.Wait()
	status := wire.DiagOK
	var bad, slow []string
	for _, r := range rows {
		switch {
		case !r.OK:
			status = wire.DiagFail
			bad = append(bad, r.Name)
		case r.DurationMS >= dnsSlow.Milliseconds():
			status = worst(status, wire.DiagWarn)
			slow = append(slow, fmt.Sprintf("%s (%d ms)", r.Name, r.DurationMS))
		}
	}
	data := map[string]any{"lookups": rows, "slow_ms": dnsSlow.Milliseconds()}
	summary := fmt.Sprintf("%d of %d names resolved", len(rows)-len(bad), len(rows))
	if len(bad) > 0 {
		summary = fmt.Sprintf("cannot resolve %s; %s", strings.Join(bad, ", "), summary)
	}
	if len(slow) > 0 {
		summary += "; slow: " + strings.Join(slow, ", ")
	}
	if defaulted {
		data["note"] = "no names given: resolved localhost only"
		summary += " (no names given: resolved localhost only)"
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}

func lookup(ctx context.Context, name string) lookupRow {
	start := time.Now()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	row := lookupRow{Name: name, OK: err == nil, Addresses: addrs, DurationMS: time.Since(start).Milliseconds()}
	if row.Addresses == nil {
		row.Addresses = []string{}
	}
	if err != nil {
		row.Error = err.Error()
	}
	return row
}
