package wire

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Join strings.
//
// An invite is handed to the end user in one of two equivalent forms:
//
//	tether1:127.0.0.1:8443/K7QF-3MZP-XW9D-HT2A#sha256=<43 chars base64url>
//	https://127.0.0.1:8443/j/K7QF-3MZP-XW9D-HT2A#sha256=<43 chars base64url>
//
// Both carry the gateway's host:port, the invite code and the SHA-256 of the
// gateway CA's SubjectPublicKeyInfo (see package certs), which the client
// pins. The fingerprint sits in the URL fragment, which browsers never send
// to a server. A URL without a fingerprint is accepted only when the client
// is told to trust the system roots instead.

const (
	// JoinScheme is the prefix of the compact join string.
	JoinScheme = "tether1:"
	// MaxJoinLen bounds a join string.
	MaxJoinLen = 512
	// FingerprintLen is the length of a SHA-256 fingerprint.
	FingerprintLen = 32
)

// Join is a parsed join string.
type Join struct {
	// Addr is the gateway's host:port.
	Addr string
	// Code is the normalised invite code (XXXX-XXXX-XXXX-XXXX).
	Code string
	// Fingerprint is the SHA-256 of the pinned public key; nil if absent.
	Fingerprint []byte
}

// String returns the compact tether1: form.
func (j Join) String() string {
	s := JoinScheme + j.Addr + "/" + j.Code
	if len(j.Fingerprint) > 0 {
		s += "#sha256=" + base64.RawURLEncoding.EncodeToString(j.Fingerprint)
	}
	return s
}

// URL returns the https form, which is also the join page's address.
func (j Join) URL() string {
	s := "https://" + j.Addr + "/j/" + j.Code
	if len(j.Fingerprint) > 0 {
		s += "#sha256=" + base64.RawURLEncoding.EncodeToString(j.Fingerprint)
	}
	return s
}

// ParseJoin parses either form of a join string.
func ParseJoin(s string) (Join, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Join{}, errors.New("join string is empty")
	}
	if len(s) > MaxJoinLen {
		return Join{}, fmt.Errorf("join string too long (%d bytes, max %d)", len(s), MaxJoinLen)
	}
	var rest string
	switch {
	case strings.HasPrefix(s, JoinScheme):
		rest = strings.TrimPrefix(s, JoinScheme)
	case strings.HasPrefix(s, "https://"):
		rest = strings.TrimPrefix(s, "https://")
	default:
		return Join{}, errors.New("join string must start with tether1: or https://")
	}
	var frag string
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest, frag = rest[:i], rest[i+1:]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return Join{}, errors.New("join string has no invite code")
	}
	addr, path := rest[:slash], rest[slash+1:]
	path = strings.TrimPrefix(path, "j/")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if !strings.Contains(err.Error(), "missing port") {
			return Join{}, fmt.Errorf("bad gateway address %q: %v", addr, err)
		}
		host, port = strings.Trim(addr, "[]"), "443"
		addr = net.JoinHostPort(host, port)
	}
	if !validHost(host) {
		return Join{}, fmt.Errorf("bad gateway host %q", host)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return Join{}, fmt.Errorf("bad gateway port %q", port)
	}
	code, err := NormalizeCode(path)
	if err != nil {
		return Join{}, err
	}
	j := Join{Addr: addr, Code: code}
	if frag != "" {
		v, err := url.ParseQuery(frag)
		if err != nil {
			return Join{}, fmt.Errorf("bad fingerprint part: %v", err)
		}
		fp := v.Get("sha256")
		if fp == "" {
			return Join{}, errors.New("fingerprint part must be sha256=<base64url>")
		}
		b, err := base64.RawURLEncoding.DecodeString(fp)
		if err != nil || len(b) != FingerprintLen {
			return Join{}, errors.New("fingerprint must be 32 bytes of unpadded base64url")
		}
		j.Fingerprint = b
	}
	return j, nil
}

// validHost accepts an IP address or a DNS name (letters, digits, '-', '.', '_').
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// Invite codes: 16 symbols of Crockford's base32 (80 bits of randomness),
// shown in four groups of four so they can be read over the phone. Input is
// case-insensitive, dashes and spaces are ignored and the look-alikes
// I, L → 1 and O → 0 are folded, as Crockford specifies.
const (
	codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	codeSymbols  = 16
)

// NewCode returns a fresh random invite code.
func NewCode() string {
	var b [codeSymbols]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("wire: crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(codeAlphabet[c&31])
	}
	return sb.String()
}

// NormalizeCode validates a code typed or pasted by a person and returns
// its canonical grouped form.
func NormalizeCode(s string) (string, error) {
	if len(s) > 64 {
		return "", errors.New("invite code too long")
	}
	var syms []byte
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'I' || r == 'L':
			r = '1'
		case r == 'O':
			r = '0'
		}
		if r > 127 || strings.IndexByte(codeAlphabet, byte(r)) < 0 {
			return "", fmt.Errorf("invite code has an invalid character %q", r)
		}
		syms = append(syms, byte(r))
	}
	if len(syms) != codeSymbols {
		return "", fmt.Errorf("invite code must have %d characters, got %d", codeSymbols, len(syms))
	}
	var sb strings.Builder
	for i, c := range syms {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(c)
	}
	return sb.String(), nil
}
