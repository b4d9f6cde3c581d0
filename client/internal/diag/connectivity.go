package diag

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

const (
	certWarnDays  = 14       // a certificate expiring sooner is a warning
	probeLimit    = 8        // targets probed at once
	maxBodyDrain  = 64 << 10 // bytes of a response body read before closing
	targetReserve = 200 * time.Millisecond
)

// certInfo describes the leaf certificate a TLS server presented.
type certInfo struct {
	Subject  string   `json:"subject"`
	Issuer   string   `json:"issuer"`
	DNSNames []string `json:"dns_names,omitempty"`
	NotAfter string   `json:"not_after"`
	DaysLeft int      `json:"days_left"`
	Verified bool     `json:"verified"`
}

// probeRow is one row of data["targets"].
type probeRow struct {
	Target     string    `json:"target"`
	Kind       string    `json:"kind"` // "tcp" or "http"
	Status     string    `json:"status"`
	LatencyMS  int64     `json:"latency_ms"`
	RemoteAddr string    `json:"remote_addr,omitempty"`
	StatusCode int       `json:"status_code,omitempty"`
	Location   string    `json:"location,omitempty"`
	TLSVersion string    `json:"tls_version,omitempty"`
	Cert       *certInfo `json:"cert,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// checkConnectivity connects to each target: TCP for host:port, an HTTP GET
// (redirects not followed) for URLs, with TLS certificate expiry for https.
func checkConnectivity(ctx context.Context, in *input) wire.DiagResult {
	targets := in.params.Targets
	defaulted := false
	if len(targets) == 0 {
		targets, defaulted = in.cfg.DefaultTargets, true
	}
	if len(targets) == 0 {
		return skipped("no targets given (add host:port or https:// URLs to check)")
	}
	if max := in.cfg.maxHosts(); len(targets) > max {
		return failed(wire.DiagError, fmt.Errorf("%d targets, at most %d per run", len(targets), max), "refused by the client")
	}
	p := &prober{now: in.now, transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     &tls.Config{RootCAs: in.cfg.RootCAs},
		DisableKeepAlives:   true,
		TLSHandshakeTimeout: 5 * time.Second,
	}}
	defer p.transport.CloseIdleConnections()

	rows := make([]probeRow, len(targets))
	sem := make(chan struct{}, probeLimit)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			tctx, cancel := targetContext(ctx)
			defer cancel()
			in.note(Access{Kind: AccessContact, Target: t})
			rows[i] = p.probe(tctx, t)
		}()
	}
	wg.Wait()
	status := wire.DiagOK
	var problems []string
	for _, r := range rows {
		status = worst(status, r.Status)
		if r.Status != wire.DiagOK {
			msg := r.Error
			if msg == "" && r.Cert != nil && r.Cert.DaysLeft < certWarnDays {
				msg = fmt.Sprintf("certificate expires in %d days", r.Cert.DaysLeft)
			}
			if msg == "" && r.StatusCode != 0 {
				msg = fmt.Sprintf("HTTP %d", r.StatusCode)
			}
			problems = append(problems, r.Target+": "+msg)
		}
	}
	data := map[string]any{"targets": rows, "cert_warn_days": certWarnDays}
	summary := fmt.Sprintf("%d of %d targets reachable", len(rows)-countStatus(rows, wire.DiagFail), len(rows))
	if defaulted {
		data["note"] = "no targets given: probed the default targets"
	}
	if len(problems) > 0 {
		summary = strings.Join(problems, "; ") + "; " + summary
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}

// targetContext leaves a little of the check's time for the report, so one
// hanging target shows as that target's error rather than the whole check's.
func targetContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - targetReserve; left > 0 {
			return context.WithTimeout(ctx, left)
		}
	}
	return context.WithCancel(ctx)
}

func countStatus(rows []probeRow, s string) int {
	n := 0
	for _, r := range rows {
		if r.Status == s {
			n++
		}
	}
	return n
}

type prober struct {
	now       time.Time
	transport *http.Transport
}

func (p *prober) probe(ctx context.Context, target string) probeRow {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return p.probeHTTP(ctx, target)
	}
	row := probeRow{Target: target, Kind: "tcp"}
	start := time.Now()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", target)
	row.LatencyMS = time.Since(start).Milliseconds()
	if err != nil {
		row.Status, row.Error = wire.DiagFail, dialError(err)
		return row
	}
	row.RemoteAddr = conn.RemoteAddr().String()
	conn.Close()
	row.Status = wire.DiagOK
	return row
}

func (p *prober) probeHTTP(ctx context.Context, target string) probeRow {
	row := probeRow{Target: target, Kind: "http"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		row.Status, row.Error = wire.DiagFail, err.Error()
		return row
	}
	req.Header.Set("User-Agent", "tether-diagnostics")
	client := &http.Client{Transport: p.transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	start := time.Now()
	resp, err := client.Do(req)
	row.LatencyMS = time.Since(start).Milliseconds()
	if err != nil {
		row.Status, row.Error = wire.DiagFail, dialError(err)
		var verr *tls.CertificateVerificationError
		if errors.As(err, &verr) && len(verr.UnverifiedCertificates) > 0 {
			row.Cert = p.cert(verr.UnverifiedCertificates[0], false)
		}
		return row
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodyDrain))
	row.StatusCode = resp.StatusCode
	row.Location = resp.Header.Get("Location")
	switch {
	case resp.StatusCode >= 500:
		row.Status = wire.DiagFail
	case resp.StatusCode >= 400:
		row.Status = wire.DiagWarn
	default:
		row.Status = wire.DiagOK
	}
	if resp.TLS != nil {
		row.TLSVersion = tls.VersionName(resp.TLS.Version)
		if len(resp.TLS.PeerCertificates) > 0 {
			row.Cert = p.cert(resp.TLS.PeerCertificates[0], true)
			if row.Cert.DaysLeft < certWarnDays {
				row.Status = worst(row.Status, wire.DiagWarn)
			}
		}
	}
	return row
}

func (p *prober) cert(c *x509.Certificate, verified bool) *certInfo {
	return &certInfo{
		Subject: c.Subject.String(), Issuer: c.Issuer.String(), DNSNames: c.DNSNames,
		NotAfter: c.NotAfter.UTC().Format(time.RFC3339),
		DaysLeft: int(c.NotAfter.Sub(p.now).Hours() / 24), Verified: verified,
	}
}

// dialError shortens Go's network errors to what a technician needs.
func dialError(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	var oerr *net.OpError
	if errors.As(err, &oerr) && oerr.Err != nil {
		return oerr.Op + ": " + oerr.Err.Error()
	}
	return err.Error()
}
