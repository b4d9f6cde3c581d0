package diag

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// testCA issues loopback server certificates for the connectivity tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tether test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// server starts an HTTPS server on 127.0.0.1 whose certificate expires after validFor.
func (ca *testCA) server(t *testing.T, validFor time.Duration, status int) *httptest.Server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validFor),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestConnectivityLoopback(t *testing.T) {
	open, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	go acceptAndClose(open)
	closedLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := closedLn.Addr().String()
	closedLn.Close()

	ca := newTestCA(t)
	expiring := ca.server(t, 5*24*time.Hour, http.StatusOK)
	valid := ca.server(t, 90*24*time.Hour, http.StatusNoContent)
	broken := ca.server(t, 90*24*time.Hour, http.StatusInternalServerError)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer plain.Close()
	untrusted := newTestCA(t).server(t, 90*24*time.Hour, http.StatusOK)

	tests := []struct {
		target   string
		status   string
		code     int
		daysLeft int // -1: no certificate expected
		errPart  string
	}{
		{target: open.Addr().String(), status: wire.DiagOK, daysLeft: -1},
		{target: closed, status: wire.DiagFail, daysLeft: -1, errPart: "refused"},
		{target: expiring.URL + "/health", status: wire.DiagWarn, code: 200, daysLeft: 4},
		{target: valid.URL, status: wire.DiagOK, code: 204, daysLeft: 89},
		{target: broken.URL, status: wire.DiagFail, code: 500, daysLeft: 89},
		{target: plain.URL, status: wire.DiagOK, code: 302, daysLeft: -1},
		{target: untrusted.URL, status: wire.DiagFail, daysLeft: 89, errPart: "certificate"},
	}
	var targets []string
	for _, tt := range tests {
		targets = append(targets, tt.target)
	}
	r := newRunner(t, Config{RootCAs: ca.pool})
	res := r.Run(context.Background(), wire.DiagRequest{Checks: []string{"connectivity"},
		Params: wire.DiagParams{Targets: targets}}, nil)[0]
	checkWellFormed(t, res)
	if res.Status != wire.DiagFail {
		t.Errorf("overall status %q, want fail (a closed port is among the targets)", res.Status)
	}
	rows := res.Data["targets"].([]probeRow)
	if len(rows) != len(tests) {
		t.Fatalf("got %d rows, want %d", len(rows), len(tests))
	}
	for i, tt := range tests {
		row := rows[i]
		t.Run(tt.target, func(t *testing.T) {
			if row.Target != tt.target || row.Status != tt.status || row.StatusCode != tt.code {
				t.Errorf("row = {%s %s code %d err %q}, want {%s %s code %d}", row.Target, row.Status, row.StatusCode, row.Error, tt.target, tt.status, tt.code)
			}
			if !strings.Contains(row.Error, tt.errPart) {
				t.Errorf("error %q, want it to contain %q", row.Error, tt.errPart)
			}
			switch {
			case tt.daysLeft < 0 && row.Cert != nil:
				t.Errorf("unexpected certificate %+v", row.Cert)
			case tt.daysLeft >= 0 && row.Cert == nil:
				t.Errorf("no certificate details, want days_left %d", tt.daysLeft)
			case tt.daysLeft >= 0 && row.Cert.DaysLeft != tt.daysLeft:
				t.Errorf("days_left = %d, want %d", row.Cert.DaysLeft, tt.daysLeft)
			}
		})
	}
	if rows[2].Cert != nil && !rows[2].Cert.Verified {
		t.Error("certificate from the trusted test CA not marked verified")
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("marshal: %v", err)
	}
}

func TestConnectivityDefaults(t *testing.T) {
	r := newRunner(t, Config{})
	res := r.Run(context.Background(), wire.DiagRequest{Checks: []string{"connectivity"}}, nil)[0]
	if res.Status != wire.DiagSkipped {
		t.Errorf("no targets: status %q, want skipped", res.Status)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go acceptAndClose(ln)
	r = newRunner(t, Config{DefaultTargets: []string{ln.Addr().String()}})
	res = r.Run(context.Background(), wire.DiagRequest{Checks: []string{"connectivity"}}, nil)[0]
	if res.Status != wire.DiagOK || res.Data["note"] == nil {
		t.Errorf("default target: %s %q data %v, want ok with a note", res.Status, res.Summary, res.Data)
	}
}
