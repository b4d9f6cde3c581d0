package admin

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/gateway/internal/server"
)

// Fingerprint returns the pin clients carry for the gateway with this data
// directory (the value after #sha256= in join links, and what make dist
// bakes into clients): the operator's certificate chain when tlsCert is
// set (its last certificate, as serve pins it), else the local dev CA,
// created exactly as serve would create it when dataDir is new.
func Fingerprint(dataDir, host, tlsCert, tlsKey string) (string, error) {
	b, err := server.LoadCertificates(dataDir, host, tlsCert, tlsKey, slog.New(slog.DiscardHandler))
	if err != nil {
		return "", err
	}
	return certs.FormatFingerprint(b.Fingerprint), nil
}

func fingerprint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fingerprint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "data", "data directory")
	listen := fs.String("listen", "127.0.0.1:8443", "address serve will listen on (names the dev server certificate)")
	public := fs.String("public-url", "", "URL clients use, as given to serve")
	tlsCert := fs.String("tls-cert", "", "operator PEM certificate chain, as given to serve")
	tlsKey := fs.String("tls-key", "", "private key for --tls-cert")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tether-gateway fingerprint: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		fmt.Fprintf(stderr, "tether-gateway fingerprint: --listen: %v\n", err)
		return 2
	}
	if *public != "" {
		u, err := url.Parse(*public)
		if err != nil || u.Hostname() == "" {
			fmt.Fprintf(stderr, "tether-gateway fingerprint: --public-url must look like https://host[:port], got %q\n", *public)
			return 2
		}
		host = u.Hostname()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	pin, err := Fingerprint(*data, host, *tlsCert, *tlsKey)
	if err != nil {
		fmt.Fprintf(stderr, "tether-gateway fingerprint: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, pin)
	return 0
}
