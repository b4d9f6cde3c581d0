package diag

import (
	"context"
	"fmt"
	"sort"
	"syscall"

	psnet "github.com/shirou/gopsutil/v4/net"
	"github.com/shirou/gopsutil/v4/process"

	"github.com/tetherhq/tether/internal/wire"
)

const maxPorts = 200

// listenRow is one row of data["listening"].
type listenRow struct {
	Proto   string `json:"proto"` // tcp, tcp6, udp, udp6
	Address string `json:"address"`
	Port    uint32 `json:"port"`
	PID     int32  `json:"pid,omitempty"`
	Process string `json:"process,omitempty"`
}

// checkPorts lists listening TCP sockets and bound UDP sockets with the
// process that owns each (when this user may see it).
func checkPorts(ctx context.Context, in *input) wire.DiagResult {
	conns, err := psnet.ConnectionsWithoutUidsWithContext(ctx, "inet")
	if err != nil && len(conns) == 0 {
		return failed(wire.DiagError, err, "list sockets")
	}
	var n notes
	if err != nil {
		n.add("socket list incomplete: %v", err)
	}
	names := map[int32]string{}
	seen := map[string]bool{}
	rows := []listenRow{}
	unowned := 0
	for _, c := range conns {
		var proto string
		switch {
		case c.Type == syscall.SOCK_STREAM && c.Status == "LISTEN":
			proto = "tcp"
		case c.Type == syscall.SOCK_DGRAM && c.Raddr.Port == 0:
			proto = "udp"
		default:
			continue
		}
		if c.Family == syscall.AF_INET6 {
			proto += "6"
		}
		key := fmt.Sprintf("%s|%s|%d|%d", proto, c.Laddr.IP, c.Laddr.Port, c.Pid)
		if seen[key] {
			continue
		}
		seen[key] = true
		row := listenRow{Proto: proto, Address: c.Laddr.IP, Port: c.Laddr.Port, PID: c.Pid}
		if c.Pid > 0 {
			name, ok := names[c.Pid]
			if !ok {
				if p, err := process.NewProcessWithContext(ctx, c.Pid); err == nil {
					name, _ = p.NameWithContext(ctx)
				}
				names[c.Pid] = name
			}
			row.Process = name
		} else {
			unowned++
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Port != rows[j].Port {
			return rows[i].Port < rows[j].Port
		}
		return rows[i].Proto < rows[j].Proto
	})
	total := len(rows)
	if len(rows) > maxPorts {
		n.add("%d sockets; only the first %d are listed", len(rows), maxPorts)
		rows = rows[:maxPorts]
	}
	if unowned > 0 {
		n.add("%d sockets have no visible owner (another user's process; run as an administrator to see them)", unowned)
	}
	data := map[string]any{"listening": rows, "count": total}
	n.into(data)
	tcp := 0
	for _, r := range rows {
		if r.Proto == "tcp" || r.Proto == "tcp6" {
			tcp++
		}
	}
	return wire.DiagResult{Status: wire.DiagOK, Data: data,
		Summary: fmt.Sprintf("%d listening sockets (%d TCP, %d UDP)", total, tcp, total-tcp)}
}
