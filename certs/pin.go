package certs

import (
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrFingerprintMismatch means that no certificate the server presented has
// the pinned public key: the client is not talking to the gateway that
// issued the join string.
var ErrFingerprintMismatch = errors.New("certs: server certificate does not match the pinned fingerprint")

// PinnedClientConfig returns a client configuration that trusts exactly the
// public key whose SPKI SHA-256 is fp, the way kubeadm pins a cluster CA.
//
// Go's own verification is switched off (InsecureSkipVerify) and replaced by
// a VerifyConnection hook that:
//   - finds the presented certificate whose SPKI fingerprint equals fp
//     (constant-time comparison); if none does, fails with an error wrapping
//     ErrFingerprintMismatch;
//   - if that certificate is the leaf, checks that it is within its validity
//     period (the key itself is pinned, so no name check is needed);
//   - if it is an issuer, verifies that the leaf chains to it, with it as the
//     only root, the other presented certificates as intermediates, the
//     ServerAuth usage and serverName as the DNS name or IP address.
//
// serverName is also sent as SNI; a "host:port" is accepted and the port
// ignored. An empty serverName skips the name check, so that any leaf issued
// by the pinned key is accepted: pass the address from the join string. NextProtos is left empty on purpose: a WebSocket dialer must not
// end up on HTTP/2. With an empty fp the configuration verifies against the system
// roots as usual.
func PinnedClientConfig(fp []byte, serverName string) *tls.Config {
	if host, _, err := net.SplitHostPort(serverName); err == nil {
		serverName = host
	}
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: serverName,
	}
	if len(fp) == 0 {
		return cfg
	}
	pin := append([]byte(nil), fp...)
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		return verifyPinned(cs.PeerCertificates, pin, serverName, time.Now())
	}
	return cfg
}

// verifyPinned implements the check described on PinnedClientConfig.
func verifyPinned(certs []*x509.Certificate, pin []byte, serverName string, now time.Time) error {
	if len(certs) == 0 {
		return errors.New("certs: server presented no certificate")
	}
	match := -1
	for i, c := range certs {
		if subtle.ConstantTimeCompare(SPKIFingerprint(c), pin) == 1 {
			match = i
			break
		}
	}
	leaf := certs[0]
	switch {
	case match < 0:
		return fmt.Errorf("%w (want %s, server's leaf has %s)", ErrFingerprintMismatch,
			FormatFingerprint(pin), FormatFingerprint(SPKIFingerprint(leaf)))
	case match == 0:
		if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
			return fmt.Errorf("certs: pinned server certificate is valid from %s to %s, not now (%s)",
				leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339),
				now.UTC().Format(time.RFC3339))
		}
		return nil
	}
	roots := x509.NewCertPool()
	roots.AddCert(certs[match])
	inter := x509.NewCertPool()
	for i, c := range certs[1:] {
		if i+1 != match {
			inter.AddCert(c)
		}
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		DNSName:       serverName,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return fmt.Errorf("certs: server certificate does not chain to the pinned key: %w", err)
	}
	return nil
}
