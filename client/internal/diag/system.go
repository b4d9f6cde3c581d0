package diag

import (
	"context"
	"fmt"
	"time"

	"github.com/shirou/gopsutil/v4/host"

	"github.com/tetherhq/tether/internal/wire"
)

// checkSystem reports what the machine is and whether its clock is synchronised.
func checkSystem(ctx context.Context, in *input) wire.DiagResult {
	info, err := host.InfoWithContext(ctx)
	if err != nil && info == nil {
		return failed(wire.DiagError, err, "read host information")
	}
	var n notes
	if err != nil {
		n.add("host information incomplete: %v", err)
	}
	boot := time.Unix(int64(info.BootTime), 0).UTC()
	data := map[string]any{
		"hostname":         info.Hostname,
		"os":               info.OS,
		"platform":         info.Platform,
		"platform_family":  info.PlatformFamily,
		"platform_version": info.PlatformVersion,
		"kernel_version":   info.KernelVersion,
		"arch":             info.KernelArch,
		"virtualization":   info.VirtualizationSystem,
		"uptime_s":         info.Uptime,
		"boot_time":        boot.Format(time.RFC3339),
		"procs":            info.Procs,
		"local_time":       in.now.Format(time.RFC3339),
	}
	status := wire.DiagOK
	sync := timeSync()
	data["time_sync"] = sync.state
	if sync.detail != "" {
		data["time_sync_detail"] = sync.detail
	}
	if sync.state == "unsynchronized" {
		status = wire.DiagWarn
	}
	n.into(data)
	osName := info.Platform
	if info.PlatformVersion != "" {
		osName += " " + info.PlatformVersion
	}
	if osName == "" {
		osName = info.OS
	}
	summary := fmt.Sprintf("%s, %s, kernel %s, up %s, clock %s", info.Hostname, osName,
		info.KernelVersion, (time.Duration(info.Uptime) * time.Second).String(), sync.state)
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}

// syncState says whether the system clock is disciplined by NTP.
type syncState struct {
	state  string // "synchronized", "unsynchronized" or "unknown"
	detail string
}
