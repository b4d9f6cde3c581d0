package main

import (
	"encoding/binary"
	"fmt"
	"net"
)

// sourceAddrs hands out loopback source addresses: perIP agents share one
// address, then the next address in 127.0.0.0/8 is used.
type sourceAddrs struct {
	first uint32
	perIP int
}

func newSourceAddrs(first string, perIP int) (*sourceAddrs, error) {
	ip := net.ParseIP(first).To4()
	if ip == nil || ip[0] != 127 {
		return nil, fmt.Errorf("--source %q: want an IPv4 loopback address (127.x.y.z)", first)
	}
	if perIP < 1 {
		return nil, fmt.Errorf("--per-ip must be at least 1")
	}
	return &sourceAddrs{first: binary.BigEndian.Uint32(ip), perIP: perIP}, nil
}

// addr returns the source address of agent i, or an error when it would
// leave 127.0.0.0/8 or land on a network or broadcast-looking .0/.255.
func (s *sourceAddrs) addr(i int) (*net.TCPAddr, error) {
	if i < 0 {
		return nil, fmt.Errorf("negative agent index %d", i)
	}
	n := s.first + uint32(i/s.perIP)
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, n)
	if ip[0] != 127 || n < s.first {
		return nil, fmt.Errorf("agent %d: source address %s is outside 127.0.0.0/8", i, ip)
	}
	return &net.TCPAddr{IP: ip}, nil
}
