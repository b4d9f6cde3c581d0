// Package certs gives the gateway a TLS identity that clients can trust
// without a public CA.
//
// On first start the gateway creates a small local CA and a server
// certificate signed by it (LoadOrCreate). The SHA-256 of the CA's public key
// (its SubjectPublicKeyInfo) is the fingerprint that travels in every join
// string (see internal/wire), and the client pins it with
// PinnedClientConfig, the way `kubeadm join --discovery-token-ca-cert-hash`
// pins a cluster CA. Because the fingerprint covers the CA key and not the
// server certificate, the server certificate can be re-issued (new host
// names, renewal) without invalidating join strings already handed out.
//
// Operators with a real certificate load it with LoadFiles instead; the
// fingerprint is then taken from the top certificate of their chain file.
package certs

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxPEMFile bounds every PEM file this package reads.
const maxPEMFile = 1 << 20

// Bundle is the gateway's TLS identity.
type Bundle struct {
	// CA is the certificate that issued Server. It is nil when an
	// operator-supplied chain does not include a CA certificate.
	CA *x509.Certificate
	// Server is the serving certificate; its chain is leaf first, followed by
	// the intermediates (and, for the local CA, the CA itself), and Leaf is set.
	Server tls.Certificate
	// Fingerprint is the SHA-256 of the pinned certificate's
	// SubjectPublicKeyInfo: the local CA's, or the last certificate of an
	// operator-supplied chain.
	Fingerprint []byte
}

// ServerTLSConfig returns a fresh server configuration for the bundle:
// TLS 1.2 at least (1.3 is negotiated whenever the peer has it), forward
// secret AEAD suites only for 1.2, and ALPN for HTTP/2 and HTTP/1.1.
func (b *Bundle) ServerTLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{b.Server},
		NextProtos:   []string{"h2", "http/1.1"},
		// Only consulted for TLS 1.2; TLS 1.3 suites are not configurable
		// and are all good.
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

// SPKIFingerprint returns the SHA-256 of c's DER-encoded
// SubjectPublicKeyInfo. It survives re-issuing a certificate for the same key.
func SPKIFingerprint(c *x509.Certificate) []byte {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return sum[:]
}

// FormatFingerprint encodes a fingerprint as unpadded base64url, the form used
// after "#sha256=" in join strings.
func FormatFingerprint(fp []byte) string {
	return base64.RawURLEncoding.EncodeToString(fp)
}

// ParseFingerprint decodes what FormatFingerprint produced, for flags and
// configuration files. An optional "sha256=" or "sha256:" prefix is accepted.
func ParseFingerprint(s string) ([]byte, error) {
	if len(s) > 128 {
		return nil, errors.New("certs: fingerprint too long")
	}
	for _, p := range []string{"sha256=", "sha256:"} {
		if len(s) >= len(p) && s[:len(p)] == p {
			s = s[len(p):]
			break
		}
	}
	fp, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(fp) != sha256.Size {
		return nil, errors.New("certs: fingerprint must be 32 bytes of unpadded base64url")
	}
	return fp, nil
}

// LoadFiles loads an operator-supplied PEM certificate chain (leaf first) and
// its private key.
//
// The fingerprint is taken from the LAST certificate in the chain file: the
// top-most issuer the operator chose to ship. Pinning the issuer rather than
// the leaf keeps join strings valid across certificate renewals from the same
// issuer; a chain file holding only the leaf pins the leaf's key. CA is set to
// that last certificate when the chain has more than one certificate and it
// is a CA, and is nil otherwise. Expiry is not checked here.
func LoadFiles(certFile, keyFile string) (*Bundle, error) {
	certPEM, err := readBounded(certFile)
	if err != nil {
		return nil, fmt.Errorf("certs: read certificate: %w", err)
	}
	keyPEM, err := readBounded(keyFile)
	if err != nil {
		return nil, fmt.Errorf("certs: read key: %w", err)
	}
	chain, err := parseChain(certPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", certFile, err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: load key pair %s, %s: %w", certFile, keyFile, err)
	}
	pair.Leaf = chain[0]
	top := chain[len(chain)-1]
	b := &Bundle{Server: pair, Fingerprint: SPKIFingerprint(top)}
	if len(chain) > 1 && top.IsCA {
		b.CA = top
	}
	return b, nil
}

// parseChain parses every CERTIFICATE block of a PEM file, in order. Other
// block types are skipped; at least one certificate is required.
func parseChain(data []byte) ([]*x509.Certificate, error) {
	if len(data) > maxPEMFile {
		return nil, fmt.Errorf("PEM data larger than %d bytes", maxPEMFile)
	}
	var chain []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate %d: %w", len(chain)+1, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, errors.New("no CERTIFICATE block found")
	}
	return chain, nil
}

// readBounded reads a file of at most maxPEMFile bytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPEMFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxPEMFile)
	}
	return data, nil
}
