package certs

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveTLS runs a TLS server on 127.0.0.1 that answers "ok\n" on every
// connection, until the test ends. It returns the listener's address.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if err := c.(*tls.Conn).Handshake(); err != nil {
					return
				}
				_, _ = c.Write([]byte("ok\n"))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// dialPinned connects with PinnedClientConfig and reads the server's line.
func dialPinned(addr string, fp []byte, serverName string) error {
	d := &net.Dialer{Timeout: 10 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, PinnedClientConfig(fp, serverName))
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "ok\n" {
		return errors.New("unexpected reply " + line)
	}
	return nil
}

func TestPinnedClientConfig(t *testing.T) {
	good := mustLoad(t, Config{Dir: t.TempDir()})
	other := mustLoad(t, Config{Dir: t.TempDir()}) // another CA, same SANs
	goodAddr := serveTLS(t, good.ServerTLSConfig())
	otherAddr := serveTLS(t, other.ServerTLSConfig())

	// An impostor that holds a certificate from another CA and also sends
	// the real CA certificate, which is public, hoping to match the pin.
	impostor := other.Server
	impostor.Certificate = [][]byte{other.Server.Leaf.Raw, good.CA.Raw}
	impostorAddr := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{impostor}})

	// An impostor that presents the real CA certificate as its own but
	// cannot sign with the CA key.
	stolen := other.Server
	stolen.Certificate = [][]byte{good.CA.Raw}
	stolen.Leaf = good.CA
	stolenAddr := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{stolen}})

	// A pinned leaf whose validity has ended.
	old := mustLoad(t, Config{Dir: t.TempDir(), Clock: fixedClock(time.Now().Add(-2 * serverValidity))})
	oldAddr := serveTLS(t, old.ServerTLSConfig())

	wrong := make([]byte, 32)
	_, _ = rand.Read(wrong)

	tests := []struct {
		name       string
		addr       string
		fp         []byte
		serverName string
		wantErr    error  // matched with errors.Is, when set
		wantText   string // substring of the error, when set
		wantOK     bool
	}{
		{name: "CA pinned, IP", addr: goodAddr, fp: good.Fingerprint, serverName: "127.0.0.1", wantOK: true},
		{name: "CA pinned, host:port", addr: goodAddr, fp: good.Fingerprint, serverName: goodAddr, wantOK: true},
		{name: "CA pinned, DNS name", addr: goodAddr, fp: good.Fingerprint, serverName: "localhost", wantOK: true},
		{name: "leaf pinned", addr: goodAddr, fp: SPKIFingerprint(good.Server.Leaf), serverName: "127.0.0.1", wantOK: true},
		{name: "leaf pinned, name not checked", addr: goodAddr, fp: SPKIFingerprint(good.Server.Leaf), serverName: "gateway.invalid", wantOK: true},
		{name: "wrong fingerprint", addr: goodAddr, fp: wrong, serverName: "127.0.0.1", wantErr: ErrFingerprintMismatch},
		{name: "other CA, right SAN", addr: otherAddr, fp: good.Fingerprint, serverName: "127.0.0.1", wantErr: ErrFingerprintMismatch},
		{name: "other leaf with real CA appended", addr: impostorAddr, fp: good.Fingerprint, serverName: "127.0.0.1", wantText: "does not chain"},
		{name: "CA certificate without its key", addr: stolenAddr, fp: good.Fingerprint, serverName: "127.0.0.1"},
		{name: "CA pinned, name not in certificate", addr: goodAddr, fp: good.Fingerprint, serverName: "gateway.invalid", wantText: "does not chain"},
		{name: "expired leaf pinned", addr: oldAddr, fp: SPKIFingerprint(old.Server.Leaf), serverName: "127.0.0.1", wantText: "not now"},
		{name: "expired leaf under pinned CA", addr: oldAddr, fp: old.Fingerprint, serverName: "127.0.0.1", wantText: "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dialPinned(tt.addr, tt.fp, tt.serverName)
			if tt.wantOK {
				if err != nil {
					t.Fatalf("dial: %v, want success", err)
				}
				return
			}
			if err == nil {
				t.Fatal("dial succeeded, want an error")
			}
			t.Logf("refused: %v", err)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("dial error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && errors.Is(err, ErrFingerprintMismatch) {
				t.Errorf("dial error = %v, want something other than a fingerprint mismatch", err)
			}
			if tt.wantText != "" && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("dial error = %v, want it to mention %q", err, tt.wantText)
			}
		})
	}
}

func TestPinnedClientConfigEmptyUsesSystemRoots(t *testing.T) {
	b := mustLoad(t, Config{Dir: t.TempDir()})
	addr := serveTLS(t, b.ServerTLSConfig())
	cfg := PinnedClientConfig(nil, "127.0.0.1")
	if cfg.InsecureSkipVerify || cfg.VerifyConnection != nil {
		t.Fatal("empty fingerprint must keep Go's normal verification")
	}
	err := dialPinned(addr, nil, "127.0.0.1")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("dial error = %v, want x509.UnknownAuthorityError", err)
	}
}

func TestPinnedClientConfigCopiesFingerprint(t *testing.T) {
	b := mustLoad(t, Config{Dir: t.TempDir()})
	addr := serveTLS(t, b.ServerTLSConfig())
	fp := append([]byte(nil), b.Fingerprint...)
	cfg := PinnedClientConfig(fp, "127.0.0.1")
	fp[0] ^= 0xff // the caller reusing its buffer must not change the pin
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.Close()
}

func TestVerifyPinnedNoCertificates(t *testing.T) {
	if err := verifyPinned(nil, make([]byte, 32), "x", time.Now()); err == nil {
		t.Fatal("verifyPinned(no certs) = nil, want an error")
	}
}

func TestServerTLSConfig(t *testing.T) {
	b := mustLoad(t, Config{Dir: t.TempDir()})
	cfg := b.ServerTLSConfig()
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion = %x, want TLS 1.2", cfg.MinVersion)
	}
	if got := strings.Join(cfg.NextProtos, ","); got != "h2,http/1.1" {
		t.Errorf("NextProtos = %q, want h2,http/1.1", got)
	}
	addr := serveTLS(t, cfg)
	c, err := tls.Dial("tcp", addr, PinnedClientConfig(b.Fingerprint, "127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Errorf("negotiated version %x, want TLS 1.3", v)
	}
}
