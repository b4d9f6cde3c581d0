//go:build darwin

package diag

import (
	"bytes"
	"context"
)

// The portable check reads DNS servers from /etc/resolv.conf, which macOS
// keeps up to date; the default routes come from route(8).
func init() { registry["network"] = withNativeNetwork("darwin", darwinRoutes) }

func darwinRoutes(ctx context.Context) nativeNet {
	routes := []route{}
	var firstErr error
	for _, fam := range []struct{ flag, name string }{{"-inet", "ipv4"}, {"-inet6", "ipv6"}} {
		out, err := runBounded(ctx, "/sbin/route", "-n", "get", fam.flag, "default")
		if err != nil {
			// "not in table" exits non-zero: no default route of that family.
			continue
		}
		rs, err := parseRouteGet(bytes.NewReader(out), fam.name)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		routes = append(routes, rs...)
	}
	return nativeNet{routes: routes, routesErr: firstErr}
}
