package store

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// idEncoding is lowercase RFC 4648 base32 without padding.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns prefix followed by 16 lowercase base32 characters (80 bits)
// from crypto/rand, e.g. NewID("s_") = "s_k3j9...". Sessions use "s_",
// recordings "r_", reports "d_".
func NewID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error (Go 1.24+)
	var sb strings.Builder
	sb.WriteString(prefix)
	sb.WriteString(idEncoding.EncodeToString(b[:]))
	return sb.String()
}
