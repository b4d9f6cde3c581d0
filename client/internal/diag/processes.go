package diag

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"time"

	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"

	"github.com/tetherhq/tether/internal/wire"
)

const (
	procSample    = 500 * time.Millisecond // CPU use is measured over this interval
	procTop       = 5                      // rows in each top list
	maxZombieRows = 10
	zombieWarn    = 5 // this many zombies or more is a warning
	maxProcs      = 5000
)

// procRow is one row of data["top_cpu"] / data["top_memory"].
type procRow struct {
	PID        int32   `json:"pid"`
	Name       string  `json:"name"`
	User       string  `json:"user,omitempty"`
	CPUPercent float64 `json:"cpu_percent"`
	RSSBytes   uint64  `json:"rss_bytes"`
	MemPercent float64 `json:"mem_percent"`
}

// zombieRow is one row of data["zombies"].
type zombieRow struct {
	PID  int32  `json:"pid"`
	PPID int32  `json:"ppid"`
	Name string `json:"name"`
}

// checkProcesses lists the processes using the most CPU (measured over
// procSample) and memory, and zombies.
func checkProcesses(ctx context.Context, in *input) wire.DiagResult {
	procs, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return failed(wire.DiagError, err, "list processes")
	}
	var n notes
	if len(procs) > maxProcs {
		n.add("%d processes; only the first %d are measured", len(procs), maxProcs)
		procs = procs[:maxProcs]
	}
	before := make(map[int32]float64, len(procs))
	for _, p := range procs {
		if t, err := p.TimesWithContext(ctx); err == nil {
			before[p.Pid] = t.User + t.System
		}
	}
	t0 := time.Now()
	if !sleepCtx(ctx, procSample) {
		return failed(wire.DiagError, context.Cause(ctx), "measure processes")
	}
	elapsed := time.Since(t0).Seconds()
	var total uint64
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		total = vm.Total
	}
	rows := make([]procRow, 0, len(procs))
	var zombies []zombieRow
	zombieCount := 0
	for _, p := range procs {
		if ctx.Err() != nil {
			break
		}
		st, err := p.StatusWithContext(ctx)
		if err != nil {
			continue // exited meanwhile
		}
		name, _ := p.NameWithContext(ctx)
		if slices.Contains(st, process.Zombie) {
			zombieCount++
			if len(zombies) < maxZombieRows {
				ppid, _ := p.PpidWithContext(ctx)
				zombies = append(zombies, zombieRow{PID: p.Pid, PPID: ppid, Name: name})
			}
			continue
		}
		row := procRow{PID: p.Pid, Name: name}
		if t, err := p.TimesWithContext(ctx); err == nil {
			if b, ok := before[p.Pid]; ok && elapsed > 0 {
				row.CPUPercent = round2((t.User + t.System - b) / elapsed * 100)
			}
		}
		if m, err := p.MemoryInfoWithContext(ctx); err == nil {
			row.RSSBytes = m.RSS
			if total > 0 {
				row.MemPercent = round2(float64(m.RSS) / float64(total) * 100)
			}
		}
		rows = append(rows, row)
	}
	topCPU := top(rows, func(a, b procRow) bool { return a.CPUPercent > b.CPUPercent })
	topMem := top(rows, func(a, b procRow) bool { return a.RSSBytes > b.RSSBytes })
	for _, list := range [][]procRow{topCPU, topMem} {
		for i := range list {
			list[i].User = username(ctx, list[i].PID)
		}
	}
	data := map[string]any{
		"count":        len(procs),
		"top_cpu":      topCPU,
		"top_memory":   topMem,
		"zombie_count": zombieCount,
		"zombies":      zombies,
		"sample_ms":    procSample.Milliseconds(),
		"num_cpu":      runtime.NumCPU(),
	}
	n.into(data)
	status := wire.DiagOK
	summary := fmt.Sprintf("%d processes", len(procs))
	if len(topCPU) > 0 {
		summary += fmt.Sprintf("; busiest %s (pid %d) %.0f%% CPU", topCPU[0].Name, topCPU[0].PID, topCPU[0].CPUPercent)
	}
	if len(topMem) > 0 {
		summary += fmt.Sprintf("; largest %s (pid %d) %s", topMem[0].Name, topMem[0].PID, humanBytes(topMem[0].RSSBytes))
	}
	if zombieCount > 0 {
		summary += fmt.Sprintf("; %d zombies", zombieCount)
		if zombieCount >= zombieWarn {
			status = wire.DiagWarn
		}
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}

// top returns the first procTop rows of a copy of rows sorted by less.
func top(rows []procRow, less func(a, b procRow) bool) []procRow {
	c := slices.Clone(rows)
	sort.SliceStable(c, func(i, j int) bool { return less(c[i], c[j]) })
	if len(c) > procTop {
		c = c[:procTop]
	}
	return c
}

func username(ctx context.Context, pid int32) string {
	p, err := process.NewProcessWithContext(ctx, pid)
	if err != nil {
		return ""
	}
	u, _ := p.UsernameWithContext(ctx)
	return u
}
