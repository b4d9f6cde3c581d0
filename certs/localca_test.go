package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustLoad(t *testing.T, cfg Config) *Bundle {
	t.Helper()
	b, err := LoadOrCreate(cfg)
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	return b
}

func TestLoadOrCreateCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	b := mustLoad(t, Config{Dir: dir, Hosts: []string{"gw.example.test", "192.0.2.7", "[2001:db8::1]"}, Clock: fixedClock(t0)})

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("dir mode = %v, want 0700", got)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
		info, _ := e.Info()
		if got := info.Mode().Perm(); got != 0o600 {
			t.Errorf("%s mode = %v, want 0600", e.Name(), got)
		}
	}
	if diff := cmp.Diff([]string{CAKeyFile, CAFile, ServerKeyFile, ServerFile}, names); diff != "" {
		t.Errorf("files in dir (-want +got):\n%s", diff)
	}

	ca := b.CA
	if !ca.IsCA || !ca.BasicConstraintsValid || ca.MaxPathLen != 0 || !ca.MaxPathLenZero {
		t.Errorf("CA constraints: IsCA=%v valid=%v MaxPathLen=%d zero=%v", ca.IsCA, ca.BasicConstraintsValid, ca.MaxPathLen, ca.MaxPathLenZero)
	}
	if got, want := ca.NotAfter, t0.Add(caValidity); !got.Equal(want) {
		t.Errorf("CA NotAfter = %v, want %v", got, want)
	}
	checkP256(t, "CA", ca)

	leaf := b.Server.Leaf
	checkP256(t, "server", leaf)
	if got, want := leaf.NotAfter, t0.Add(serverValidity); !got.Equal(want) {
		t.Errorf("server NotAfter = %v, want %v", got, want)
	}
	if diff := cmp.Diff([]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, leaf.ExtKeyUsage); diff != "" {
		t.Errorf("ExtKeyUsage (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"localhost", "gw.example.test"}, leaf.DNSNames); diff != "" {
		t.Errorf("DNSNames (-want +got):\n%s", diff)
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	if diff := cmp.Diff([]string{"127.0.0.1", "::1", "192.0.2.7", "2001:db8::1"}, ips); diff != "" {
		t.Errorf("IPAddresses (-want +got):\n%s", diff)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, name := range []string{"localhost", "gw.example.test", "127.0.0.1", "::1", "2001:db8::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: t0}); err != nil {
			t.Errorf("verify leaf for %q: %v", name, err)
		}
	}
	if len(b.Server.Certificate) != 2 || !bytes.Equal(b.Server.Certificate[1], ca.Raw) {
		t.Errorf("server chain has %d certificates, want leaf + CA", len(b.Server.Certificate))
	}
	if !bytes.Equal(b.Fingerprint, SPKIFingerprint(ca)) || len(b.Fingerprint) != 32 {
		t.Errorf("Fingerprint = %x, want SPKI SHA-256 of CA %x", b.Fingerprint, SPKIFingerprint(ca))
	}
}

func checkP256(t *testing.T, what string, c *x509.Certificate) {
	t.Helper()
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("%s key is %T, want ECDSA P-256", what, c.PublicKey)
	}
}

func TestLoadOrCreateReloads(t *testing.T) {
	dir := t.TempDir()
	first := mustLoad(t, Config{Dir: dir, Clock: fixedClock(t0)})
	second := mustLoad(t, Config{Dir: dir, Clock: fixedClock(t0.Add(24 * time.Hour))})
	if !bytes.Equal(first.Fingerprint, second.Fingerprint) {
		t.Errorf("fingerprint changed on reload: %x → %x", first.Fingerprint, second.Fingerprint)
	}
	if !bytes.Equal(first.Server.Leaf.Raw, second.Server.Leaf.Raw) {
		t.Error("server certificate re-issued on a plain reload")
	}
}

func TestLoadOrCreateReissues(t *testing.T) {
	tests := []struct {
		name  string
		hosts []string
		now   time.Time
		spoil func(t *testing.T, dir string)
	}{
		{name: "new host", hosts: []string{"new.example.test"}, now: t0},
		{name: "new IP", hosts: []string{"198.51.100.1"}, now: t0},
		{name: "expires in 29 days", now: t0.Add(serverValidity - 29*24*time.Hour)},
		{name: "server.pem missing", now: t0, spoil: func(t *testing.T, dir string) { remove(t, dir, ServerFile) }},
		{name: "server.pem garbage", now: t0, spoil: func(t *testing.T, dir string) { write(t, dir, ServerFile, "garbage") }},
		{name: "server key mismatch", now: t0, spoil: func(t *testing.T, dir string) {
			other := mustLoad(t, Config{Dir: t.TempDir(), Clock: fixedClock(t0)})
			k, _ := encodeKey(other.Server.PrivateKey.(*ecdsa.PrivateKey))
			write(t, dir, ServerKeyFile, string(k))
		}},
		{name: "server signed by another CA", now: t0, spoil: func(t *testing.T, dir string) {
			other := t.TempDir()
			mustLoad(t, Config{Dir: other, Clock: fixedClock(t0)})
			for _, f := range []string{ServerFile, ServerKeyFile} {
				data, _ := os.ReadFile(filepath.Join(other, f))
				write(t, dir, f, string(data))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first := mustLoad(t, Config{Dir: dir, Clock: fixedClock(t0)})
			if tt.spoil != nil {
				tt.spoil(t, dir)
			}
			second := mustLoad(t, Config{Dir: dir, Hosts: tt.hosts, Clock: fixedClock(tt.now)})
			if !bytes.Equal(first.Fingerprint, second.Fingerprint) || !bytes.Equal(first.CA.Raw, second.CA.Raw) {
				t.Errorf("CA changed: fingerprint %x → %x", first.Fingerprint, second.Fingerprint)
			}
			if bytes.Equal(first.Server.Leaf.Raw, second.Server.Leaf.Raw) {
				t.Fatal("server certificate was not re-issued")
			}
			if err := second.Server.Leaf.CheckSignatureFrom(first.CA); err != nil {
				t.Errorf("new server certificate not signed by the CA: %v", err)
			}
			if got, want := second.Server.Leaf.NotAfter, tt.now.Add(serverValidity); !got.Equal(want) {
				t.Errorf("new NotAfter = %v, want %v", got, want)
			}
			for _, h := range tt.hosts {
				if !slices.Contains(second.Server.Leaf.DNSNames, h) && !containsIP(second.Server.Leaf.IPAddresses, h) {
					t.Errorf("new certificate lacks %q", h)
				}
			}
			third := mustLoad(t, Config{Dir: dir, Hosts: tt.hosts, Clock: fixedClock(tt.now)})
			if !bytes.Equal(second.Server.Leaf.Raw, third.Server.Leaf.Raw) {
				t.Error("re-issued certificate was not persisted")
			}
		})
	}
}

func containsIP(ips []net.IP, s string) bool {
	want := net.ParseIP(s)
	return slices.ContainsFunc(ips, func(ip net.IP) bool { return ip.Equal(want) })
}

func TestLoadOrCreateRecreatesCACertFromKey(t *testing.T) {
	dir := t.TempDir()
	first := mustLoad(t, Config{Dir: dir, Clock: fixedClock(t0)})
	remove(t, dir, CAFile)
	second := mustLoad(t, Config{Dir: dir, Clock: fixedClock(t0)})
	if !bytes.Equal(first.Fingerprint, second.Fingerprint) {
		t.Errorf("fingerprint changed after ca.pem was lost: %x → %x", first.Fingerprint, second.Fingerprint)
	}
	if err := second.Server.Leaf.CheckSignatureFrom(second.CA); err != nil {
		t.Errorf("server certificate does not verify under the re-created CA: %v", err)
	}
}

func TestLoadOrCreateErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(dir string) Config
		spoil   func(t *testing.T, dir string)
		wantErr string
	}{
		{name: "no dir", cfg: func(string) Config { return Config{} }, wantErr: "Dir is required"},
		{name: "bad host", cfg: func(d string) Config { return Config{Dir: d, Hosts: []string{"a b"}} }, wantErr: "invalid host name"},
		{name: "CA key lost", spoil: func(t *testing.T, dir string) { remove(t, dir, CAKeyFile) }, wantErr: "ca-key.pem is missing"},
		{name: "CA cert garbage", spoil: func(t *testing.T, dir string) { write(t, dir, CAFile, "garbage") }, wantErr: "parse"},
		{name: "CA key garbage", spoil: func(t *testing.T, dir string) { write(t, dir, CAKeyFile, "garbage") }, wantErr: "parse"},
		{name: "CA cert for another key", spoil: func(t *testing.T, dir string) {
			other := mustLoad(t, Config{Dir: t.TempDir(), Clock: fixedClock(t0)})
			write(t, dir, CAFile, string(encodeCert(other.CA)))
		}, wantErr: "is not a CA certificate"},
		{name: "server cert as CA", spoil: func(t *testing.T, dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, ServerFile))
			key, _ := os.ReadFile(filepath.Join(dir, ServerKeyFile))
			write(t, dir, CAFile, string(data))
			write(t, dir, CAKeyFile, string(key))
		}, wantErr: "is not a CA certificate"},
		{name: "CA expired", cfg: func(d string) Config { return Config{Dir: d, Clock: fixedClock(t0.Add(caValidity + time.Hour))} }, wantErr: "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustLoad(t, Config{Dir: dir, Clock: fixedClock(t0)})
			if tt.spoil != nil {
				tt.spoil(t, dir)
			}
			cfg := Config{Dir: dir, Clock: fixedClock(t0)}
			if tt.cfg != nil {
				cfg = tt.cfg(dir)
			}
			_, err := LoadOrCreate(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadOrCreate error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadOrCreateLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	mustLoad(t, Config{Dir: dir, Clock: fixedClock(t0)})
	mustLoad(t, Config{Dir: dir, Hosts: []string{"x.example.test"}, Clock: fixedClock(t0)})
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left-over temporary file %s", e.Name())
		}
	}
}

func TestServerCertNeverOutlivesCA(t *testing.T) {
	dir := t.TempDir()
	b := mustLoad(t, Config{Dir: dir, Clock: fixedClock(t0)})
	late := t0.Add(caValidity - 100*24*time.Hour)
	remove(t, dir, ServerFile)
	b2 := mustLoad(t, Config{Dir: dir, Clock: fixedClock(late)})
	if got := b2.Server.Leaf.NotAfter; got.After(b.CA.NotAfter) {
		t.Errorf("server NotAfter %v is after CA NotAfter %v", got, b.CA.NotAfter)
	}
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
