package certs

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// File names inside Config.Dir.
const (
	CAFile        = "ca.pem"
	CAKeyFile     = "ca-key.pem"
	ServerFile    = "server.pem"
	ServerKeyFile = "server-key.pem"
)

// Config configures LoadOrCreate.
type Config struct {
	// Dir holds the CA and server files; it is created with mode 0700.
	// Required.
	Dir string
	// Hosts are the DNS names and IP addresses the server certificate must
	// name. localhost, 127.0.0.1 and ::1 are always added.
	Hosts []string
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// Log receives one line per file created or certificate re-issued;
	// discarded when nil.
	Log *slog.Logger
}

// checkAndSetDefaults validates cfg and fills in defaults.
func (cfg *Config) checkAndSetDefaults() error {
	if cfg.Dir == "" {
		return errors.New("certs: Config.Dir is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.Log = cfg.Log.With("component", "certs")
	return nil
}

// LoadOrCreate returns the gateway's local-CA bundle from cfg.Dir, creating
// the CA and the server certificate on first use.
//
// The CA (ECDSA P-256, ten years) is never replaced silently: its key is what
// clients pin. If ca.pem is lost but ca-key.pem remains, the CA certificate is
// re-created from the same key, so the fingerprint does not change. If the CA
// is unreadable or expired, LoadOrCreate fails and tells the operator what to
// remove.
//
// The server certificate (ECDSA P-256, one year) is re-issued from the same
// CA when it is missing, unreadable, not signed by the CA, does not name
// every requested host, or expires within 30 days.
func LoadOrCreate(cfg Config) (*Bundle, error) {
	if err := cfg.checkAndSetDefaults(); err != nil {
		return nil, err
	}
	want, err := hostSANs(cfg.Hosts)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("certs: create directory: %w", err)
	}
	if fi, err := os.Stat(cfg.Dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		cfg.Log.Warn("certificate directory is accessible to other users", "dir", cfg.Dir, "mode", fi.Mode().Perm().String())
	}
	now := cfg.Clock()
	ca, caKey, err := loadOrCreateCA(cfg, now)
	if err != nil {
		return nil, err
	}
	leaf, key, err := loadOrIssueServer(cfg, ca, caKey, want, now)
	if err != nil {
		return nil, err
	}
	return &Bundle{
		CA: ca,
		Server: tls.Certificate{
			Certificate: [][]byte{leaf.Raw, ca.Raw},
			PrivateKey:  key,
			Leaf:        leaf,
		},
		Fingerprint: SPKIFingerprint(ca),
	}, nil
}

// loadOrCreateCA loads the CA from cfg.Dir or creates it.
func loadOrCreateCA(cfg Config, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPath := filepath.Join(cfg.Dir, CAFile)
	keyPath := filepath.Join(cfg.Dir, CAKeyFile)
	keyPEM, keyErr := readBounded(keyPath)
	certPEM, certErr := readBounded(certPath)
	switch {
	case keyErr != nil && !errors.Is(keyErr, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("certs: read CA key: %w", keyErr)
	case certErr != nil && !errors.Is(certErr, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("certs: read CA certificate: %w", certErr)
	case keyErr != nil && certErr == nil:
		return nil, nil, fmt.Errorf("certs: %s exists but %s is missing; restore it, or remove %s to create a new CA (every join string handed out so far stops working)", certPath, keyPath, certPath)
	}

	var key *ecdsa.PrivateKey
	if keyErr == nil {
		k, err := decodeKey(keyPEM)
		if err != nil {
			return nil, nil, fmt.Errorf("certs: parse %s: %w", keyPath, err)
		}
		key = k
	} else {
		k, err := newKey()
		if err != nil {
			return nil, nil, fmt.Errorf("certs: generate CA key: %w", err)
		}
		pemKey, err := encodeKey(k)
		if err != nil {
			return nil, nil, fmt.Errorf("certs: %w", err)
		}
		// The key goes first: a crash before the certificate is written
		// leaves a key from which the same CA is re-created next time.
		if err := writeFileAtomic(keyPath, pemKey); err != nil {
			return nil, nil, fmt.Errorf("certs: write CA key: %w", err)
		}
		key = k
	}

	if certErr == nil {
		ca, err := decodeCert(certPEM)
		if err != nil {
			return nil, nil, fmt.Errorf("certs: parse %s: %w", certPath, err)
		}
		if !ca.IsCA || !sameKey(ca, key) {
			return nil, nil, fmt.Errorf("certs: %s is not a CA certificate for %s", certPath, keyPath)
		}
		if now.After(ca.NotAfter) {
			return nil, nil, fmt.Errorf("certs: the local CA expired on %s; remove %s and %s to create a new one (every join string handed out so far stops working)", ca.NotAfter.UTC().Format(time.DateOnly), certPath, keyPath)
		}
		return ca, key, nil
	}

	ca, err := newCACert(key, now)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: %w", err)
	}
	if err := writeFileAtomic(certPath, encodeCert(ca)); err != nil {
		return nil, nil, fmt.Errorf("certs: write CA certificate: %w", err)
	}
	cfg.Log.Info("created local CA", "file", certPath, "fingerprint", FormatFingerprint(SPKIFingerprint(ca)))
	return ca, key, nil
}

// loadOrIssueServer loads the server certificate or issues a new one when the
// stored one is not fit for use.
func loadOrIssueServer(cfg Config, ca *x509.Certificate, caKey *ecdsa.PrivateKey, want sans, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPath := filepath.Join(cfg.Dir, ServerFile)
	keyPath := filepath.Join(cfg.Dir, ServerKeyFile)
	leaf, key, reason := loadServer(certPath, keyPath, ca, want, now)
	if reason == "" {
		return leaf, key, nil
	}
	key, err := newKey()
	if err != nil {
		return nil, nil, fmt.Errorf("certs: generate server key: %w", err)
	}
	leaf, err = newServerCert(ca, caKey, key, want, now)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: %w", err)
	}
	pemKey, err := encodeKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: %w", err)
	}
	// A crash between the two writes leaves a key that does not match the
	// certificate, which loadServer detects next time.
	if err := writeFileAtomic(keyPath, pemKey); err != nil {
		return nil, nil, fmt.Errorf("certs: write server key: %w", err)
	}
	if err := writeFileAtomic(certPath, encodeCert(leaf)); err != nil {
		return nil, nil, fmt.Errorf("certs: write server certificate: %w", err)
	}
	cfg.Log.Info("issued server certificate", "reason", reason, "file", certPath,
		"dns_names", leaf.DNSNames, "ip_addresses", fmt.Sprint(leaf.IPAddresses),
		"not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	return leaf, key, nil
}

// loadServer returns the stored server certificate and key, or a non-empty
// reason why a new one is needed.
func loadServer(certPath, keyPath string, ca *x509.Certificate, want sans, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	certPEM, err := readBounded(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, "missing"
	}
	if err != nil {
		return nil, nil, "unreadable certificate: " + err.Error()
	}
	keyPEM, err := readBounded(keyPath)
	if err != nil {
		return nil, nil, "unreadable key: " + err.Error()
	}
	leaf, err := decodeCert(certPEM)
	if err != nil {
		return nil, nil, "bad certificate: " + err.Error()
	}
	key, err := decodeKey(keyPEM)
	if err != nil {
		return nil, nil, "bad key: " + err.Error()
	}
	switch {
	case !sameKey(leaf, key):
		return nil, nil, "key does not match certificate"
	case leaf.CheckSignatureFrom(ca) != nil:
		return nil, nil, "not signed by the local CA"
	case !want.covers(leaf):
		return nil, nil, "host names changed"
	case now.Before(leaf.NotBefore):
		return nil, nil, "not yet valid"
	case leaf.NotAfter.Sub(now) < renewBefore:
		return nil, nil, "expires soon"
	}
	return leaf, key, ""
}

// writeFileAtomic writes data to path with mode 0600 through a temporary file
// in the same directory and a rename, so readers see the old or the new
// content, never a partial file.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
