package diag

import (
	"context"
	"fmt"
	"slices"
	"strings"

	psnet "github.com/shirou/gopsutil/v4/net"

	"github.com/tetherhq/tether/internal/wire"
)

// ifaceRow is one row of data["interfaces"].
type ifaceRow struct {
	Name      string   `json:"name"`
	Up        bool     `json:"up"`
	Loopback  bool     `json:"loopback"`
	MTU       int      `json:"mtu"`
	MAC       string   `json:"mac,omitempty"`
	Addresses []string `json:"addresses"`
	RxBytes   uint64   `json:"rx_bytes"`
	TxBytes   uint64   `json:"tx_bytes"`
	RxErrors  uint64   `json:"rx_errors"`
	TxErrors  uint64   `json:"tx_errors"`
	RxDropped uint64   `json:"rx_dropped"`
	TxDropped uint64   `json:"tx_dropped"`
}

// route is a default route (data["default_routes"]).
type route struct {
	Interface string `json:"interface"`
	Gateway   string `json:"gateway"`
	Family    string `json:"family"` // "ipv4" or "ipv6"
	Metric    int    `json:"metric"`
}

// checkNetwork reports interfaces with their addresses and counters, the
// default routes and the configured DNS servers.
func checkNetwork(ctx context.Context, in *input) wire.DiagResult {
	ifs, err := psnet.InterfacesWithContext(ctx)
	if err != nil {
		return failed(wire.DiagError, err, "list interfaces")
	}
	var n notes
	counters := map[string]psnet.IOCountersStat{}
	if cs, err := psnet.IOCountersWithContext(ctx, true); err != nil {
		n.add("interface counters: %v", err)
	} else {
		for _, c := range cs {
			counters[c.Name] = c
		}
	}
	var rows []ifaceRow
	upNonLoop := 0
	for _, i := range ifs {
		r := ifaceRow{Name: i.Name, MTU: i.MTU, MAC: i.HardwareAddr,
			Up: slices.Contains(i.Flags, "up"), Loopback: slices.Contains(i.Flags, "loopback"), Addresses: []string{}}
		for _, a := range i.Addrs {
			r.Addresses = append(r.Addresses, a.Addr)
		}
		if c, ok := counters[i.Name]; ok {
			r.RxBytes, r.TxBytes, r.RxErrors, r.TxErrors = c.BytesRecv, c.BytesSent, c.Errin, c.Errout
			r.RxDropped, r.TxDropped = c.Dropin, c.Dropout
		}
		if r.Up && !r.Loopback && len(r.Addresses) > 0 {
			upNonLoop++
		}
		rows = append(rows, r)
	}
	data := map[string]any{"interfaces": rows}

	routes, rerr := defaultRoutes(in.cfg.GOOS)
	if rerr != nil {
		n.add("default route: %v", rerr)
	}
	data["default_routes"] = routes
	servers, serr := dnsServers(in.cfg.GOOS)
	if serr != nil {
		n.add("dns servers: %v", serr)
	}
	data["dns_servers"] = servers
	n.into(data)

	status := wire.DiagOK
	var problems []string
	if upNonLoop == 0 {
		status = wire.DiagFail
		problems = append(problems, "no network interface is up with an address")
	}
	if rerr == nil && len(routes) == 0 {
		status = worst(status, wire.DiagWarn)
		problems = append(problems, "no default route")
	}
	if serr == nil && len(servers) == 0 {
		status = worst(status, wire.DiagWarn)
		problems = append(problems, "no DNS servers configured")
	}
	summary := fmt.Sprintf("%d interfaces (%d up with an address)", len(rows), upNonLoop)
	if len(routes) > 0 {
		summary += fmt.Sprintf(", default via %s on %s", routes[0].Gateway, routes[0].Interface)
	}
	if len(servers) > 0 {
		summary += ", DNS " + strings.Join(servers, " ")
	}
	if len(problems) > 0 {
		summary = strings.Join(problems, "; ") + "; " + summary
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}
