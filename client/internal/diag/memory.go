package diag

import (
	"context"
	"fmt"

	"github.com/shirou/gopsutil/v4/mem"

	"github.com/tetherhq/tether/internal/wire"
)

// Memory thresholds in percent of RAM in use (total minus available) and of swap used.
const (
	memWarnPercent  = 90
	memFailPercent  = 97
	swapWarnPercent = 80
)

// checkMemory reports RAM and swap use.
func checkMemory(ctx context.Context, in *input) wire.DiagResult {
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return failed(wire.DiagError, err, "read memory")
	}
	data := map[string]any{
		"total_bytes":     vm.Total,
		"available_bytes": vm.Available,
		"used_bytes":      vm.Used,
		"used_percent":    round2(vm.UsedPercent),
		"cached_bytes":    vm.Cached,
	}
	status := threshold(vm.UsedPercent, memWarnPercent, memFailPercent)
	summary := fmt.Sprintf("%.0f%% of %s RAM in use, %s available", vm.UsedPercent, humanBytes(vm.Total), humanBytes(vm.Available))
	var n notes
	if sw, err := mem.SwapMemoryWithContext(ctx); err != nil {
		n.add("swap: %v", err)
	} else {
		data["swap_total_bytes"] = sw.Total
		data["swap_used_bytes"] = sw.Used
		data["swap_used_percent"] = round2(sw.UsedPercent)
		if sw.Total == 0 {
			summary += "; no swap"
		} else {
			summary += fmt.Sprintf("; swap %.0f%% of %s", sw.UsedPercent, humanBytes(sw.Total))
			if sw.UsedPercent >= swapWarnPercent {
				status = worst(status, wire.DiagWarn)
			}
		}
	}
	n.into(data)
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}

// humanBytes formats a byte count with a binary unit ("3.2 GiB").
func humanBytes(b uint64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit && exp < 5; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}
