package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// operatorChain builds root → intermediate → leaf(127.0.0.1) the way a
// public CA would, and returns them with the leaf's key.
func operatorChain(t testing.TB) (root, inter, leaf *x509.Certificate, leafKey *ecdsa.PrivateKey) {
	t.Helper()
	now := time.Now()
	mk := func(tmpl, parent *x509.Certificate, pub any, signer *ecdsa.PrivateKey) *x509.Certificate {
		tmpl.SerialNumber, _ = serialNumber()
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(24*time.Hour)
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	rootKey, _ := newKey()
	interKey, _ := newKey()
	leafKey, _ = newKey()
	root = mk(&x509.Certificate{Subject: pkix.Name{CommonName: "Op Root"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil, rootKey.Public(), rootKey)
	inter = mk(&x509.Certificate{Subject: pkix.Name{CommonName: "Op Intermediate"}, IsCA: true, BasicConstraintsValid: true,
		MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign}, root, interKey.Public(), rootKey)
	leaf = mk(&x509.Certificate{Subject: pkix.Name{CommonName: "gw"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		inter, leafKey.Public(), interKey)
	return root, inter, leaf, leafKey
}

func writeChain(t *testing.T, key *ecdsa.PrivateKey, chain ...*x509.Certificate) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	var pemChain []byte
	for _, c := range chain {
		pemChain = append(pemChain, encodeCert(c)...)
	}
	k, err := encodeKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	write(t, dir, "cert.pem", string(pemChain))
	write(t, dir, "key.pem", string(k))
	return certFile, keyFile
}

func TestLoadFiles(t *testing.T) {
	root, inter, leaf, key := operatorChain(t)
	tests := []struct {
		name   string
		chain  []*x509.Certificate
		wantFP *x509.Certificate
		wantCA *x509.Certificate
	}{
		{name: "leaf only", chain: []*x509.Certificate{leaf}, wantFP: leaf},
		{name: "leaf + intermediate", chain: []*x509.Certificate{leaf, inter}, wantFP: inter, wantCA: inter},
		{name: "full chain", chain: []*x509.Certificate{leaf, inter, root}, wantFP: root, wantCA: root},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf, kf := writeChain(t, key, tt.chain...)
			b, err := LoadFiles(cf, kf)
			if err != nil {
				t.Fatalf("LoadFiles: %v", err)
			}
			if !bytes.Equal(b.Fingerprint, SPKIFingerprint(tt.wantFP)) {
				t.Errorf("Fingerprint is not that of %s", tt.wantFP.Subject.CommonName)
			}
			if (b.CA == nil) != (tt.wantCA == nil) || (b.CA != nil && !b.CA.Equal(tt.wantCA)) {
				t.Errorf("CA = %v, want %v", b.CA, tt.wantCA)
			}
			if !b.Server.Leaf.Equal(leaf) || len(b.Server.Certificate) != len(tt.chain) {
				t.Errorf("Server has %d certificates, want %d with the leaf first", len(b.Server.Certificate), len(tt.chain))
			}
			addr := serveTLS(t, b.ServerTLSConfig())
			if err := dialPinned(addr, b.Fingerprint, "127.0.0.1"); err != nil {
				t.Errorf("pinned dial: %v", err)
			}
		})
	}
}

func TestLoadFilesErrors(t *testing.T) {
	_, inter, leaf, key := operatorChain(t)
	otherKey, _ := newKey()
	cf, kf := writeChain(t, key, leaf, inter)
	_, badKey := writeChain(t, otherKey, leaf)
	dir := t.TempDir()
	write(t, dir, "empty.pem", "")
	write(t, dir, "big.pem", strings.Repeat("x", maxPEMFile+1))
	tests := []struct {
		name, cert, key string
	}{
		{name: "missing cert", cert: filepath.Join(dir, "nope.pem"), key: kf},
		{name: "missing key", cert: cf, key: filepath.Join(dir, "nope.pem")},
		{name: "no certificate", cert: filepath.Join(dir, "empty.pem"), key: kf},
		{name: "key for another cert", cert: cf, key: badKey},
		{name: "oversize", cert: filepath.Join(dir, "big.pem"), key: kf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LoadFiles(tt.cert, tt.key); err == nil {
				t.Fatal("LoadFiles succeeded, want an error")
			}
		})
	}
}

func TestFingerprintFormat(t *testing.T) {
	b := mustLoad(t, Config{Dir: t.TempDir(), Clock: fixedClock(t0)})
	sum := sha256.Sum256(b.CA.RawSubjectPublicKeyInfo)
	if !bytes.Equal(SPKIFingerprint(b.CA), sum[:]) {
		t.Fatal("SPKIFingerprint is not SHA-256 of RawSubjectPublicKeyInfo")
	}
	s := FormatFingerprint(b.Fingerprint)
	if len(s) != 43 || strings.ContainsAny(s, "=+/") {
		t.Errorf("FormatFingerprint = %q, want 43 chars of unpadded base64url", s)
	}
	// The join string codec must accept what we format.
	j, err := wire.ParseJoin("tether1:127.0.0.1:8443/" + wire.NewCode() + "#sha256=" + s)
	if err != nil {
		t.Fatalf("wire.ParseJoin: %v", err)
	}
	if !bytes.Equal(j.Fingerprint, b.Fingerprint) {
		t.Errorf("join fingerprint = %x, want %x", j.Fingerprint, b.Fingerprint)
	}
	for _, in := range []string{s, "sha256=" + s, "sha256:" + s} {
		got, err := ParseFingerprint(in)
		if err != nil || !bytes.Equal(got, b.Fingerprint) {
			t.Errorf("ParseFingerprint(%q) = %x, %v; want %x", in, got, err, b.Fingerprint)
		}
	}
	for _, in := range []string{"", "abc", s + "=", base64.StdEncoding.EncodeToString(b.Fingerprint), s + s} {
		if _, err := ParseFingerprint(in); err == nil {
			t.Errorf("ParseFingerprint(%q) succeeded, want an error", in)
		}
	}
}

func FuzzParseChain(f *testing.F) {
	_, inter, leaf, _ := operatorChain(f)
	f.Add(append(encodeCert(leaf), encodeCert(inter)...))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		chain, err := parseChain(data)
		if err == nil && len(chain) == 0 {
			t.Fatal("parseChain returned no certificate and no error")
		}
	})
}

func FuzzParseFingerprint(f *testing.F) {
	f.Add("sha256=" + FormatFingerprint(make([]byte, 32)))
	f.Add("")
	f.Add("sha256:AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := ParseFingerprint(s)
		if err != nil {
			return
		}
		if len(fp) != 32 {
			t.Fatalf("ParseFingerprint(%q) returned %d bytes", s, len(fp))
		}
		if again, err := ParseFingerprint(FormatFingerprint(fp)); err != nil || !bytes.Equal(again, fp) {
			t.Fatalf("round trip of %q failed: %x, %v", s, again, err)
		}
	})
}
