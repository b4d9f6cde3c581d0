// Package rtc is the gateway's pion WebRTC side of the screen view: one
// PeerConnection per viewer, carrying screen frames over an unordered,
// unreliable data channel, with ICE settings for production (STUN, TURN,
// NAT 1:1 address, UDP port range) and for loopback tests.
//
// Signaling is not here: the API speaks it over its WebSocket and calls
// Engine.Offer, Peer.Accept and Peer.AddCandidate. Frames bigger than one
// SCTP message are split by Chunk (see chunk.go for the header).
package rtc

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/webrtc/v3"
)

// TURNServer is one TURN relay the gateway and browsers may use.
type TURNServer struct {
	URL        string `json:"url"` // turn:host:port?transport=udp or turns:...
	Username   string `json:"username,omitempty"`
	Credential string `json:"credential,omitempty"`
}

// Config configures the Engine.
type Config struct {
	// Loopback restricts ICE to 127.0.0.1 over UDP4, without mDNS: for tests
	// and `make run`. Never for production (browsers on other machines
	// cannot reach a loopback candidate).
	Loopback bool
	// STUN lists STUN servers ("stun:host:port") used by both peers.
	STUN []string
	// TURN lists TURN relays used by both peers.
	TURN []TURNServer
	// NAT1To1IPs are the public addresses of a gateway behind 1:1 NAT; its
	// host candidates are announced with them.
	NAT1To1IPs []string
	// UDPPortMin and UDPPortMax bound the local UDP ports (both 0: any).
	UDPPortMin, UDPPortMax uint16
	// ConnectTimeout is how long a viewer may take to open the data channel
	// before the stream falls back to the WebSocket; default 5s.
	ConnectTimeout time.Duration
	// Log is the logger; default discard.
	Log *slog.Logger
}

func (c *Config) checkAndSetDefaults() error {
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 5 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	c.Log = c.Log.With("component", "rtc")
	if (c.UDPPortMin == 0) != (c.UDPPortMax == 0) || c.UDPPortMin > c.UDPPortMax {
		return fmt.Errorf("rtc: bad UDP port range %d-%d", c.UDPPortMin, c.UDPPortMax)
	}
	for _, u := range c.STUN {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "stuns:") {
			return fmt.Errorf("rtc: STUN server %q must start with stun: or stuns:", u)
		}
	}
	for _, t := range c.TURN {
		if !strings.HasPrefix(t.URL, "turn:") && !strings.HasPrefix(t.URL, "turns:") {
			return fmt.Errorf("rtc: TURN server %q must start with turn: or turns:", t.URL)
		}
	}
	for _, ip := range c.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("rtc: NAT 1:1 address %q is not an IP address", ip)
		}
	}
	if c.Loopback && (len(c.NAT1To1IPs) > 0 || len(c.TURN) > 0 || len(c.STUN) > 0) {
		return errors.New("rtc: loopback mode takes no STUN, TURN or NAT 1:1 settings")
	}
	return nil
}

// ParsePortRange parses "MIN-MAX" (the --udp-ports flag); "" is 0, 0.
func ParsePortRange(s string) (lo, hi uint16, err error) {
	if s == "" {
		return 0, 0, nil
	}
	var a, b int
	if _, err := fmt.Sscanf(s, "%d-%d", &a, &b); err != nil || a < 1 || b > 65535 || a > b || fmt.Sprintf("%d-%d", a, b) != s {
		return 0, 0, fmt.Errorf("UDP port range %q: want MIN-MAX, 1..65535", s)
	}
	return uint16(a), uint16(b), nil
}

// SettingEngine returns the pion settings for cfg. Tests use it for their
// own viewer peers so both ends run on loopback the same way.
func SettingEngine(cfg Config) (webrtc.SettingEngine, error) {
	var se webrtc.SettingEngine
	if cfg.Loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	if len(cfg.NAT1To1IPs) > 0 {
		se.SetNAT1To1IPs(cfg.NAT1To1IPs, webrtc.ICECandidateTypeHost)
	}
	if cfg.UDPPortMin != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.UDPPortMin, cfg.UDPPortMax); err != nil {
			return se, fmt.Errorf("rtc: UDP port range: %w", err)
		}
	}
	return se, nil
}

// ICEServer is the browser's RTCIceServer, sent in the signaling hello.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICEServers returns cfg's STUN and TURN servers for both pion and browsers.
func (c *Config) iceServers() []webrtc.ICEServer {
	var out []webrtc.ICEServer
	if len(c.STUN) > 0 {
		out = append(out, webrtc.ICEServer{URLs: c.STUN})
	}
	for _, t := range c.TURN {
		out = append(out, webrtc.ICEServer{URLs: []string{t.URL}, Username: t.Username, Credential: t.Credential, CredentialType: webrtc.ICECredentialTypePassword})
	}
	return out
}
