package diag

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRoutes(t *testing.T) {
	v4 := `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	100	00000000	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
wlan0	00000000	0101A8C0	0002	0	0	600	00000000	0	0	0
`
	got, err := parseRouteV4(strings.NewReader(v4))
	if err != nil {
		t.Fatal(err)
	}
	want := []route{{Interface: "eth0", Gateway: "192.0.2.1", Family: "ipv4", Metric: 100}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ipv4 routes (-want +got):\n%s", diff)
	}
	v6 := "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n" +
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n"
	got, err = parseRouteV6(strings.NewReader(v6))
	if err != nil {
		t.Fatal(err)
	}
	want = []route{{Interface: "eth0", Gateway: "fe80::1", Family: "ipv6", Metric: 1024}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ipv6 routes (-want +got):\n%s", diff)
	}
	servers, _ := parseResolvConf(strings.NewReader("# c\nnameserver 1.1.1.1\nnameserver fe80::1%eth0\nnameserver bogus\nsearch x\n"))
	if diff := cmp.Diff([]string{"1.1.1.1", "fe80::1%eth0"}, servers); diff != "" {
		t.Errorf("dns servers (-want +got):\n%s", diff)
	}
}

func TestParseUnits(t *testing.T) {
	out := "● foo.service loaded failed failed Foo daemon\nbar.service loaded active running Bar\nshort\n"
	got := parseUnits([]byte(out))
	want := []unitRow{{Unit: "foo.service", Load: "loaded", Active: "failed", Sub: "failed", Description: "Foo daemon"},
		{Unit: "bar.service", Load: "loaded", Active: "active", Sub: "running", Description: "Bar"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("units (-want +got):\n%s", diff)
	}
}
