package main

import (
	"strings"
	"testing"
)

func TestSourceAddrs(t *testing.T) {
	for _, tc := range []struct {
		first string
		perIP int
		i     int
		want  string
	}{
		{"127.1.0.1", 20, 0, "127.1.0.1"},
		{"127.1.0.1", 20, 19, "127.1.0.1"},
		{"127.1.0.1", 20, 20, "127.1.0.2"},
		{"127.1.0.250", 1, 10, "127.1.1.4"},
	} {
		s, err := newSourceAddrs(tc.first, tc.perIP)
		if err != nil {
			t.Fatalf("newSourceAddrs(%q, %d): %v", tc.first, tc.perIP, err)
		}
		a, err := s.addr(tc.i)
		if err != nil {
			t.Fatalf("addr(%d): %v", tc.i, err)
		}
		if got := a.IP.String(); got != tc.want {
			t.Errorf("first %s, per-ip %d, agent %d: got %s, want %s", tc.first, tc.perIP, tc.i, got, tc.want)
		}
	}
	for _, bad := range []string{"10.0.0.1", "::1", "nonsense", "192.168.1.1"} {
		if _, err := newSourceAddrs(bad, 1); err == nil {
			t.Errorf("newSourceAddrs(%q): got no error, want a refusal of a non-loopback source", bad)
		}
	}
	s, _ := newSourceAddrs("127.255.255.254", 1)
	if _, err := s.addr(5); err == nil {
		t.Error("addr past 127.255.255.255: got no error, want one")
	}
}

func TestReadJoins(t *testing.T) {
	good := "tether1:127.0.0.1:8443/ABCD-EFGH-JKMN-PQRS#sha256=" + strings.Repeat("A", 43)
	joins, err := readJoins(strings.NewReader("\n" + good + "\n\n" + good + "\n"))
	if err != nil {
		t.Fatalf("readJoins: %v", err)
	}
	if len(joins) != 2 || joins[0].Addr != "127.0.0.1:8443" {
		t.Errorf("readJoins: got %+v, want two joins to 127.0.0.1:8443", joins)
	}
	for name, in := range map[string]string{
		"empty":          "\n\n",
		"garbage":        "not a join string\n",
		"no fingerprint": "tether1:127.0.0.1:8443/ABCD-EFGH-JKMN-PQRS\n",
		"too long":       strings.Repeat("x", 10000) + "\n",
	} {
		if _, err := readJoins(strings.NewReader(in)); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}
