//go:build windows

package diag

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

func init() { registry["network"] = withNativeNetwork("windows", adapterRoutes) }

// adapterRoutes reads the gateways and DNS servers of every adapter that
// is up from GetAdaptersAddresses, which is where ipconfig finds them.
func adapterRoutes(ctx context.Context) nativeNet {
	size := uint32(15 << 10)
	var buf []byte
	for range 3 {
		buf = make([]byte, size)
		err := windows.GetAdaptersAddresses(windows.AF_UNSPEC, windows.GAA_FLAG_INCLUDE_GATEWAYS, 0,
			(*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])), &size)
		if err == nil {
			break
		}
		if !errors.Is(err, windows.ERROR_BUFFER_OVERFLOW) || size > 4<<20 {
			err = fmt.Errorf("GetAdaptersAddresses: %w", err)
			return nativeNet{routes: []route{}, routesErr: err, servers: []string{}, serversErr: err}
		}
		buf = nil
	}
	if buf == nil {
		err := errors.New("GetAdaptersAddresses: adapter list keeps growing")
		return nativeNet{routes: []route{}, routesErr: err, servers: []string{}, serversErr: err}
	}
	routes, servers := []route{}, []string{}
	seen := map[string]bool{}
	for a := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])); a != nil; a = a.Next {
		if a.OperStatus != windows.IfOperStatusUp {
			continue
		}
		name := windows.UTF16PtrToString(a.FriendlyName)
		for g := a.FirstGatewayAddress; g != nil; g = g.Next {
			ip := g.Address.IP()
			if ip == nil {
				continue
			}
			r := route{Interface: name, Gateway: ip.String(), Family: "ipv6", Metric: int(a.Ipv6Metric)}
			if ip.To4() != nil {
				r.Family, r.Metric = "ipv4", int(a.Ipv4Metric)
			}
			routes = append(routes, r)
		}
		for d := a.FirstDnsServerAddress; d != nil; d = d.Next {
			if ip := d.Address.IP(); ip != nil && !seen[ip.String()] {
				seen[ip.String()] = true
				servers = append(servers, ip.String())
			}
		}
	}
	return nativeNet{routes: routes, servers: servers}
}
