package server

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tetherhq/tether/certs"
)

// LoadCertificates returns the certificates the gateway serves with: the
// operator's PEM files when tlsCert is set, else the local dev CA in
// DATA/certs with a server certificate for host, created on first use.
// serve and `tether-gateway fingerprint` both use it, so the pin printed
// before the first start is the one the gateway then serves.
func LoadCertificates(dataDir, host, tlsCert, tlsKey string, log *slog.Logger) (*certs.Bundle, error) {
	if tlsCert != "" {
		b, err := certs.LoadFiles(tlsCert, tlsKey)
		if err != nil {
			return nil, fmt.Errorf("server: certificates: %w", err)
		}
		return b, nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	b, err := certs.LoadOrCreate(certs.Config{Dir: filepath.Join(dataDir, certsDir), Hosts: []string{host}, Log: log})
	if err != nil {
		return nil, fmt.Errorf("server: certificates: %w", err)
	}
	return b, nil
}
