package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

const (
	// caValidity is the lifetime of the local CA.
	caValidity = 10 * 365 * 24 * time.Hour
	// serverValidity is the lifetime of a server certificate.
	serverValidity = 365 * 24 * time.Hour
	// renewBefore is how long before expiry a server certificate is re-issued.
	renewBefore = 30 * 24 * time.Hour
	// backdate tolerates clocks that are a little behind ours.
	backdate = time.Hour
)

// newKey returns a fresh ECDSA P-256 key.
func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// serialNumber returns a random positive 128-bit serial number.
func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
}

// newCACert self-signs a CA certificate for key, valid from now for ten
// years, allowed to sign leaves only (MaxPathLen 0).
func newCACert(key *ecdsa.PrivateKey, now time.Time) (*x509.Certificate, error) {
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Tether"}, CommonName: "Tether local CA"},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// newServerCert issues a one-year ServerAuth certificate for key and the given
// SANs, signed by ca. It never outlives the CA.
func newServerCert(ca *x509.Certificate, caKey crypto.Signer, key *ecdsa.PrivateKey, s sans, now time.Time) (*x509.Certificate, error) {
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	notAfter := now.Add(serverValidity)
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Tether"}, CommonName: "Tether gateway"},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              s.dns,
		IPAddresses:           s.ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("create server certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// sans is a normalised set of subject alternative names.
type sans struct {
	dns []string
	ips []net.IP
}

// defaultHosts are always in the server certificate, so that the gateway can
// be reached on loopback whatever its public name.
var defaultHosts = []string{"localhost", "127.0.0.1", "::1"}

// hostSANs turns host names and IP literals into SANs, with defaultHosts
// added, duplicates removed, DNS names lower-cased and IPv6 brackets stripped.
func hostSANs(hosts []string) (sans, error) {
	var s sans
	seen := map[string]bool{}
	for _, h := range append(append([]string(nil), defaultHosts...), hosts...) {
		h = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(h), "["), "]")
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			if ip4 := ip.To4(); ip4 != nil {
				ip = ip4
			}
			if !seen["ip:"+ip.String()] {
				seen["ip:"+ip.String()] = true
				s.ips = append(s.ips, ip)
			}
			continue
		}
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if strings.ContainsAny(h, " /\\@:") || len(h) > 253 {
			return sans{}, fmt.Errorf("invalid host name %q", h)
		}
		if !seen["dns:"+h] {
			seen["dns:"+h] = true
			s.dns = append(s.dns, h)
		}
	}
	return s, nil
}

// covers reports whether cert names every SAN in s.
func (s sans) covers(cert *x509.Certificate) bool {
	for _, d := range s.dns {
		found := false
		for _, cd := range cert.DNSNames {
			if strings.EqualFold(cd, d) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	for _, ip := range s.ips {
		found := false
		for _, cip := range cert.IPAddresses {
			if cip.Equal(ip) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// encodeCert PEM-encodes a certificate.
func encodeCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// encodeKey PEM-encodes a private key as PKCS#8.
func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// decodeKey parses a PEM ECDSA private key, PKCS#8 or SEC 1.
func decodeKey(data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key is %T, want ECDSA", k)
		}
		return ec, nil
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
	}
}

// decodeCert parses the first certificate of a PEM file.
func decodeCert(data []byte) (*x509.Certificate, error) {
	chain, err := parseChain(data)
	if err != nil {
		return nil, err
	}
	return chain[0], nil
}

// sameKey reports whether cert's public key is key's.
func sameKey(cert *x509.Certificate, key *ecdsa.PrivateKey) bool {
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	return ok && pub.Equal(key.Public())
}
