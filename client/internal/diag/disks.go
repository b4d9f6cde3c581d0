package diag

import (
	"context"
	"fmt"
	"sort"

	"github.com/shirou/gopsutil/v4/disk"

	"github.com/tetherhq/tether/internal/wire"
)

// Disk thresholds, for space and for inodes, in percent used.
const (
	diskWarnPercent = 90
	diskFailPercent = 97
	maxMounts       = 64
)

// pseudoFS are file systems that hold no user data; their usage means nothing.
var pseudoFS = map[string]bool{
	"proc": true, "sysfs": true, "devpts": true, "cgroup": true, "cgroup2": true, "mqueue": true,
	"debugfs": true, "tracefs": true, "securityfs": true, "pstore": true, "bpf": true, "autofs": true,
	"configfs": true, "fusectl": true, "hugetlbfs": true, "binfmt_misc": true, "devtmpfs": true,
	"squashfs": true, "nsfs": true, "ramfs": true, "rpc_pipefs": true, "efivarfs": true, "selinuxfs": true,
	"overlay_lower": true, "iso9660": true, "udf": true,
}

// mountUse is one row of data["mounts"].
type mountUse struct {
	Mountpoint        string  `json:"mountpoint"`
	Device            string  `json:"device"`
	Fstype            string  `json:"fstype"`
	TotalBytes        uint64  `json:"total_bytes"`
	FreeBytes         uint64  `json:"free_bytes"`
	UsedPercent       float64 `json:"used_percent"`
	InodesTotal       uint64  `json:"inodes_total"`
	InodesUsedPercent float64 `json:"inodes_used_percent"`
	Status            string  `json:"status"`
}

// checkDisks reports space and inode use per mounted file system.
func checkDisks(ctx context.Context, in *input) wire.DiagResult {
	parts, err := disk.PartitionsWithContext(ctx, false)
	if err != nil && len(parts) == 0 {
		return failed(wire.DiagError, err, "list mounts")
	}
	var n notes
	if err != nil {
		n.add("some mounts unreadable: %v", err)
	}
	seen := map[string]bool{}
	var mounts []mountUse
	status := wire.DiagOK
	var worstMount *mountUse
	for _, p := range parts {
		if pseudoFS[p.Fstype] || seen[p.Mountpoint] {
			continue
		}
		seen[p.Mountpoint] = true
		if len(mounts) >= maxMounts {
			n.add("more than %d mounts; the rest are not shown", maxMounts)
			break
		}
		if ctx.Err() != nil {
			break
		}
		u, err := disk.UsageWithContext(ctx, p.Mountpoint)
		if err != nil {
			n.add("%s: %v", p.Mountpoint, err)
			continue
		}
		if u.Total == 0 {
			continue // empty pseudo mount (e.g. a bind of /dev/null)
		}
		m := mountUse{
			Mountpoint: p.Mountpoint, Device: p.Device, Fstype: p.Fstype,
			TotalBytes: u.Total, FreeBytes: u.Free, UsedPercent: round2(u.UsedPercent),
			InodesTotal: u.InodesTotal, InodesUsedPercent: round2(u.InodesUsedPercent),
		}
		m.Status = worst(threshold(u.UsedPercent, diskWarnPercent, diskFailPercent),
			threshold(u.InodesUsedPercent, diskWarnPercent, diskFailPercent))
		mounts = append(mounts, m)
	}
	sort.Slice(mounts, func(i, j int) bool { return mounts[i].Mountpoint < mounts[j].Mountpoint })
	for i := range mounts {
		m := &mounts[i]
		status = worst(status, m.Status)
		if worstMount == nil || m.UsedPercent > worstMount.UsedPercent {
			worstMount = m
		}
	}
	data := map[string]any{"mounts": mounts, "warn_percent": diskWarnPercent, "fail_percent": diskFailPercent}
	n.into(data)
	if len(mounts) == 0 {
		return wire.DiagResult{Status: wire.DiagWarn, Summary: "no disk file systems found", Data: data}
	}
	summary := fmt.Sprintf("%d file systems; fullest %s at %.0f%% (%s free)", len(mounts),
		worstMount.Mountpoint, worstMount.UsedPercent, humanBytes(worstMount.FreeBytes))
	var bad []string
	for _, m := range mounts {
		if m.Status != wire.DiagOK {
			bad = append(bad, fmt.Sprintf("%s %.0f%% space, %.0f%% inodes", m.Mountpoint, m.UsedPercent, m.InodesUsedPercent))
		}
	}
	if len(bad) > 0 {
		summary = fmt.Sprintf("nearly full: %v; %s", bad, summary)
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}
