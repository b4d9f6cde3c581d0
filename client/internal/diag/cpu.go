package diag

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/load"

	"github.com/tetherhq/tether/internal/wire"
)

// cpuSample is how long the CPU usage is measured.
const cpuSample = 500 * time.Millisecond

// CPU thresholds: usage over the sample, and 1-minute load per logical core.
const (
	cpuWarnPercent = 90
	cpuWarnLoad    = 1.5
)

// checkCPU reports the processor model, core counts, load and current usage.
func checkCPU(ctx context.Context, in *input) wire.DiagResult {
	var n notes
	data := map[string]any{}
	if infos, err := cpu.InfoWithContext(ctx); err != nil {
		n.add("cpu info: %v", err)
	} else if len(infos) > 0 {
		data["model"] = infos[0].ModelName
		data["mhz"] = round2(infos[0].Mhz)
	}
	logical, err := cpu.CountsWithContext(ctx, true)
	if err != nil {
		n.add("logical cores: %v", err)
	}
	data["logical_cores"] = logical
	if physical, err := cpu.CountsWithContext(ctx, false); err == nil {
		data["physical_cores"] = physical
	}
	status := wire.DiagOK
	var why []string
	if avg, err := load.AvgWithContext(ctx); err != nil {
		n.add("load average: %v", err)
	} else {
		data["load1"], data["load5"], data["load15"] = round2(avg.Load1), round2(avg.Load5), round2(avg.Load15)
		if logical > 0 {
			per := avg.Load1 / float64(logical)
			data["load1_per_core"] = round2(per)
			if per >= cpuWarnLoad {
				status = wire.DiagWarn
				why = append(why, fmt.Sprintf("load %.2f per core", per))
			}
		}
	}
	pct, err := cpu.PercentWithContext(ctx, cpuSample, false)
	if err != nil || len(pct) == 0 {
		if ctx.Err() != nil {
			return failed(wire.DiagError, context.Cause(ctx), "measure cpu usage")
		}
		n.add("cpu usage: %v", err)
	} else {
		data["usage_percent"] = round2(pct[0])
		data["sample_ms"] = cpuSample.Milliseconds()
		if pct[0] >= cpuWarnPercent {
			status = wire.DiagWarn
			why = append(why, fmt.Sprintf("%.0f%% busy", pct[0]))
		}
	}
	n.into(data)
	summary := fmt.Sprintf("%d cores, %.0f%% busy, load %v", logical, data["usage_percent"], data["load1"])
	if len(why) > 0 {
		summary = fmt.Sprintf("CPU under pressure (%s); %s", strings.Join(why, ", "), summary)
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}
