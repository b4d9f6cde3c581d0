package diag

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
)

// Neither the standard library nor gopsutil exposes the routing table or
// the resolver's servers, so these read the kernel's and libc's own files.

const maxTableBytes = 1 << 20 // bound on /proc/net/*route and resolv.conf reads

var errUnsupportedOS = errors.New("not read on this operating system yet")

// defaultRoutes returns the IPv4 and IPv6 default routes.
func defaultRoutes(goos string) ([]route, error) {
	if goos != "linux" {
		return []route{}, errUnsupportedOS
	}
	routes := []route{}
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return routes, fmt.Errorf("read routing table: %w", err)
	}
	v4, err := parseRouteV4(io.LimitReader(f, maxTableBytes))
	f.Close()
	if err != nil {
		return routes, err
	}
	routes = append(routes, v4...)
	if f, err := os.Open("/proc/net/ipv6_route"); err == nil {
		v6, _ := parseRouteV6(io.LimitReader(f, maxTableBytes))
		f.Close()
		routes = append(routes, v6...)
	}
	return routes, nil
}

// parseRouteV4 reads /proc/net/route: destination, gateway and mask are
// little-endian hex; a default route has destination and mask 0.
func parseRouteV4(r io.Reader) ([]route, error) {
	var out []route
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue // header
		}
		f := strings.Fields(sc.Text())
		if len(f) < 8 || f[1] != "00000000" || f[7] != "00000000" {
			continue
		}
		gw, err := hex.DecodeString(f[2])
		if err != nil || len(gw) != 4 {
			continue
		}
		flags, _ := strconv.ParseUint(f[3], 16, 16)
		if flags&1 == 0 { // RTF_UP
			continue
		}
		metric, _ := strconv.Atoi(f[6])
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, binary.LittleEndian.Uint32(gw))
		out = append(out, route{Interface: f[0], Gateway: ip.String(), Family: "ipv4", Metric: metric})
	}
	return out, sc.Err()
}

// parseRouteV6 reads /proc/net/ipv6_route: dest, dest prefix, src, src
// prefix, next hop, metric, refcnt, use, flags, interface.
func parseRouteV6(r io.Reader) ([]route, error) {
	var out []route
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[0] != strings.Repeat("0", 32) || f[1] != "00" || f[9] == "lo" {
			continue
		}
		hop, err := hex.DecodeString(f[4])
		if err != nil || len(hop) != 16 {
			continue
		}
		flags, _ := strconv.ParseUint(f[8], 16, 32)
		if flags&1 == 0 || flags&0x0200 != 0 { // RTF_UP, not RTF_REJECT
			continue
		}
		metric, _ := strconv.ParseInt(f[5], 16, 64)
		out = append(out, route{Interface: f[9], Gateway: net.IP(hop).String(), Family: "ipv6", Metric: int(metric)})
	}
	return out, sc.Err()
}

// dnsServers returns the nameservers in /etc/resolv.conf.
func dnsServers(goos string) ([]string, error) {
	if goos == "windows" {
		return []string{}, errUnsupportedOS
	}
	f, err := os.Open("/etc/resolv.conf")
	if err != nil {
		return []string{}, fmt.Errorf("read resolver configuration: %w", err)
	}
	defer f.Close()
	return parseResolvConf(io.LimitReader(f, maxTableBytes))
}

func parseResolvConf(r io.Reader) ([]string, error) {
	out := []string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "nameserver" && net.ParseIP(strings.Split(f[1], "%")[0]) != nil {
			out = append(out, f[1])
		}
	}
	return out, sc.Err()
}
