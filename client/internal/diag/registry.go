package diag

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// registry maps every check in wire.DiagChecks to its implementation. New
// (and TestRegistryMatchesWire) insist the two lists agree.
var registry = map[string]checkFunc{
	"system":       checkSystem,
	"cpu":          checkCPU,
	"memory":       checkMemory,
	"disks":        checkDisks,
	"processes":    checkProcesses,
	"network":      checkNetwork,
	"dns":          checkDNS,
	"connectivity": checkConnectivity,
	"ports":        checkPorts,
	"logs":         checkLogs,
	"services":     checkServices,
}

// rank orders statuses by how bad they are, for combining sub-results.
func rank(status string) int {
	switch status {
	case wire.DiagWarn:
		return 1
	case wire.DiagFail:
		return 2
	case wire.DiagError:
		return 3
	}
	return 0
}

// worst returns the worse of two statuses.
func worst(a, b string) string {
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// threshold grades a percentage against warn and fail limits.
func threshold(pct, warn, fail float64) string {
	switch {
	case pct >= fail:
		return wire.DiagFail
	case pct >= warn:
		return wire.DiagWarn
	}
	return wire.DiagOK
}

func skipped(format string, args ...any) wire.DiagResult {
	return wire.DiagResult{Status: wire.DiagSkipped, Summary: fmt.Sprintf(format, args...), Data: map[string]any{}}
}

func failed(status string, err error, what string) wire.DiagResult {
	return wire.DiagResult{Status: status, Summary: fmt.Sprintf("%s: %v", what, err), Data: map[string]any{}}
}

// round2 keeps two decimals so reports stay small and readable.
func round2(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return math.Round(f*100) / 100
}

// sleepCtx waits d or until ctx is done, reporting whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// notes collects partial failures a check survived, for data["notes"].
type notes []string

func (n *notes) add(format string, args ...any) { *n = append(*n, fmt.Sprintf(format, args...)) }

func (n notes) into(data map[string]any) {
	if len(n) > 0 {
		data["notes"] = []string(n)
	}
}
