package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/server"
	"github.com/tetherhq/tether/internal/testenv"
)

// signScript is the script `make dist` signs Windows clients with.
const signScript = "../../../scripts/sign-windows.sh"

// TestWindowsClientSignedAndServed builds the windows/amd64 client as
// `make dist` does, signs it with Authenticode using a throwaway
// certificate, verifies the signature, then serves it from a gateway and
// checks that the download and the listing carry the checksum of the
// signed bytes.
func TestWindowsClientSignedAndServed(t *testing.T) {
	ossl, err := exec.LookPath("osslsigncode")
	if err != nil {
		fmt.Fprintln(os.Stderr, "!!! SKIPPING TestWindowsClientSignedAndServed: osslsigncode is not installed; Authenticode signing is NOT tested (apt-get install osslsigncode)")
		testenv.SkipOrFail(t, "osslsigncode not installed: Authenticode signing is not tested")
	}
	dir := t.TempDir()
	const name = "tether-client-windows-amd64.exe"
	exe := filepath.Join(dir, name)
	const ver = "v9.8.7-disttest"
	build := exec.Command("go", "build", "-trimpath",
		"-ldflags", "-s -w -X github.com/tetherhq/tether/internal/version.Version="+ver,
		"-o", exe, "github.com/tetherhq/tether/client/cmd/tether-client")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build windows/amd64: %v\n%s", err, out)
	}

	certPEM, keyPEM := codeSigningCert(t, dir)
	sign := exec.Command("bash", signScript, exe)
	sign.Env = append(withoutSignEnv(os.Environ()), "SIGN_CERT="+certPEM, "SIGN_KEY="+keyPEM)
	if out, err := sign.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", signScript, err, out)
	}
	verify := func(path string) (string, error) {
		out, err := exec.Command(ossl, "verify", "-CAfile", certPEM, "-in", path).CombinedOutput()
		return string(out), err
	}
	if out, err := verify(exe); err != nil || !strings.Contains(out, "Signature verification: ok") {
		t.Fatalf("osslsigncode verify of the signed client: err %v, want success; output:\n%s", err, out)
	}

	signed, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(signed, []byte(ver)) {
		t.Errorf("signed client does not carry version %q", ver)
	}
	t.Run("tampered binary fails verification", func(t *testing.T) {
		bad := append([]byte(nil), signed...)
		bad[len(bad)/2] ^= 0xff
		p := filepath.Join(t.TempDir(), "bad.exe")
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := verify(p); err == nil {
			t.Errorf("osslsigncode verify of a tampered client: got success, want failure; output:\n%s", out)
		}
	})

	sum := sha256.Sum256(signed)
	want := hex.EncodeToString(sum[:])
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(want+"  "+name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, func(c *server.Config) { c.DownloadsDir = dir })

	resp, err := g.http.Get(g.url + "/download/windows/amd64")
	if err != nil {
		t.Fatalf("GET /download/windows/amd64: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /download/windows/amd64: status %d, err %v, want 200", resp.StatusCode, err)
	}
	got := sha256.Sum256(body)
	if hex.EncodeToString(got[:]) != want {
		t.Errorf("downloaded bytes: got sha256 %x, want %s (%d bytes, signed file has %d)", got, want, len(body), len(signed))
	}
	if h := resp.Header.Get("X-Tether-SHA256"); h != want {
		t.Errorf("X-Tether-SHA256: got %q, want %q", h, want)
	}
	if cd, wantCD := resp.Header.Get("Content-Disposition"), `filename="`+name+`"`; !strings.Contains(cd, wantCD) {
		t.Errorf("Content-Disposition: got %q, want it to contain %q", cd, wantCD)
	}

	var list []downloadItem
	g.must(http.StatusOK, "GET", "/api/v1/downloads", "", nil, &list)
	if len(list) != 1 {
		t.Fatalf("GET /api/v1/downloads: %d builds, want 1: %+v", len(list), list)
	}
	it := list[0]
	if it.OS != "windows" || it.Arch != "amd64" || it.URL != "/download/windows/amd64" || it.SHA256 != want ||
		it.Size != int64(len(signed)) || it.File != name || it.Baked || it.Signature.State != "signed" {
		t.Errorf("GET /api/v1/downloads: %+v, want windows/amd64 with sha256 %s, size %d, signed, not baked", it, want, len(signed))
	}

	if code, _ := g.req("GET", "/download/darwin/arm64", "", nil); code != http.StatusNotFound {
		t.Errorf("GET /download/darwin/arm64 (not built): got status %d, want 404", code)
	}
}

// codeSigningCert writes a throwaway self-signed code-signing certificate
// and its key as PEM files in dir and returns their paths.
func codeSigningCert(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "Tether test code signing", Organization: []string{"Tether tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// withoutSignEnv drops any SIGN_* settings of the operator running the
// tests, so the throwaway certificate is the one used.
func withoutSignEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "SIGN_") {
			out = append(out, kv)
		}
	}
	return out
}
