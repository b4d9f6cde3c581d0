// Command tether-gateway runs the Tether gateway and its admin commands.
//
//	tether-gateway serve [--listen ADDR] [--data DIR] [--public-url URL] [--tls-cert F --tls-key F]
//	tether-gateway user add --data DIR --name NAME --role admin|technician|auditor   (password on stdin)
//	tether-gateway user list --data DIR
//	tether-gateway user reset-password NAME --data DIR [--generate]   (else the password on stdin)
//	tether-gateway audit verify --data DIR
//	tether-gateway audit export --data DIR [--out FILE]
//	tether-gateway recording verify [--data DIR | --pubkey FILE] FILE
//	tether-gateway fingerprint [--data DIR] [--tls-cert F --tls-key F]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tetherhq/tether/internal/version"
	"github.com/tetherhq/tether/webui"

	"github.com/tetherhq/tether/gateway/internal/admin"
	"github.com/tetherhq/tether/gateway/internal/rtc"
	"github.com/tetherhq/tether/gateway/internal/server"
)

const usage = `tether-gateway: the Tether remote support gateway.

Usage:
  tether-gateway serve [--listen ADDR] [--data DIR] [--public-url URL] [--tls-cert F --tls-key F]
  tether-gateway user add --data DIR --name NAME --role admin|technician|auditor [--display-name N]   (password on stdin)
  tether-gateway user list --data DIR   (name, role, disabled, MFA, last sign-in)
  tether-gateway user reset-password NAME --data DIR [--generate | --password-stdin]   (ends every sign-in of NAME)
  tether-gateway audit verify --data DIR
  tether-gateway audit export --data DIR [--out FILE]
  tether-gateway recording verify [--data DIR | --pubkey FILE] [--sha256 HEX --signature B64] FILE
  tether-gateway fingerprint [--data DIR] [--public-url URL] [--tls-cert F --tls-key F]   (the pin clients are baked with)
  tether-gateway version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if len(rest) > 0 && (cmd == "user" || cmd == "audit" || cmd == "recording") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	if code, ok := admin.Command(cmd, rest, stdin, stdout, stderr); ok {
		return code // user add/list/reset-password, audit verify, audit export, recording verify, fingerprint
	}
	switch cmd {
	case "serve":
		return serve(rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "tether-gateway", version.String())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "tether-gateway: unknown command %q\n\n%s", cmd, usage)
	return 2
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg server.Config
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8443", "address to listen on")
	fs.StringVar(&cfg.DataDir, "data", "data", "data directory (database, keys, certificates, recordings)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "URL clients and browsers use, e.g. https://support.example.com (default: from --listen)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate chain (default: a generated dev CA in DATA/certs)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key for --tls-cert")
	fs.StringVar(&cfg.DownloadsDir, "downloads", "dist", "directory of client builds (make dist, make run) served at /download; read on every request, so it may be created or filled later")
	fs.StringVar(&cfg.ReadyFile, "ready-file", "", "write {\"url\",\"fingerprint\"} here once serving (for scripts and tests)")
	fs.Bool("record-input", true, "deprecated, ignored: input is always recorded (typed with echo off: its length only)")
	fs.BoolVar(&cfg.BestEffortRecording, "best-effort-recording", false, "keep shells open when a recording cannot be written (default: refuse or end them)")
	fs.Int64Var(&cfg.MaxFileSize, "max-file-size", 0, "largest file a technician may collect or send, in bytes (default 100 MiB)")
	requireMFA := fs.String("require-mfa", "", "comma-separated roles whose users must use a second factor, e.g. admin,technician")
	fs.DurationVar(&cfg.Security.SessionMaxLength, "session-max", 0, "end live sessions after this long (default 8h; negative: never)")
	fs.DurationVar(&cfg.Security.SessionIdleTimeout, "session-idle", 0, "end live sessions idle this long (default 30m; negative: never)")
	fs.DurationVar(&cfg.TokenTTL, "token-ttl", 0, "how long a sign-in lasts; open shells and screen views end with it (default 12h)")
	fs.StringVar(&cfg.DebugAddr, "debug-addr", "", "serve pprof and expvar (goroutines, memstats) on this loopback address, e.g. 127.0.0.1:6060")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	fs.BoolVar(&cfg.ICE.Loopback, "ice-loopback", false, "WebRTC on 127.0.0.1 only, no mDNS (tests and make run; never in production)")
	fs.BoolVar(&cfg.NoWebRTC, "no-webrtc", false, "serve screen views over the WebSocket only")
	fs.IntVar(&cfg.FaultScreenDrop, "fault-screen-drop", 0, "testing only: drop the first N data-channel chunks (WebSocket: frames) sent to each screen viewer, as a lossy link would")
	stun := fs.String("stun", "", "comma-separated STUN servers for WebRTC, e.g. stun:stun.example.com:3478")
	turn := fs.String("turn", "", "comma-separated TURN servers (credentials from TETHER_TURN_USERNAME and TETHER_TURN_PASSWORD)")
	nat := fs.String("nat-1to1-ip", "", "comma-separated public IPs announced for WebRTC when the gateway sits behind 1:1 NAT")
	udpPorts := fs.String("udp-ports", "", "UDP port range MIN-MAX for WebRTC (default: any)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg.ICE.STUN = splitList(*stun)
	for _, u := range splitList(*turn) {
		cfg.ICE.TURN = append(cfg.ICE.TURN, rtc.TURNServer{URL: u, Username: os.Getenv("TETHER_TURN_USERNAME"), Credential: os.Getenv("TETHER_TURN_PASSWORD")})
	}
	cfg.ICE.NAT1To1IPs = splitList(*nat)
	var err error
	if cfg.ICE.UDPPortMin, cfg.ICE.UDPPortMax, err = rtc.ParsePortRange(*udpPorts); err != nil {
		fmt.Fprintf(stderr, "tether-gateway: --udp-ports: %v\n", err)
		return 2
	}
	if *requireMFA != "" {
		cfg.Security.RequireMFA = map[string]bool{}
		for _, role := range strings.Split(*requireMFA, ",") {
			cfg.Security.RequireMFA[strings.TrimSpace(role)] = true
		}
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "tether-gateway: --log-level: %v\n", err)
		return 2
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	cfg.AdminPassword = os.Getenv("TETHER_ADMIN_PASSWORD")
	cfg.Out = stdout
	if ui, ok := webui.Dist(); ok {
		cfg.WebUI = ui
	} else {
		cfg.Log.Warn("the web UI is not built into this binary; run make build")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "tether-gateway: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Tether gateway %s serving at %s\n", version.Version, srv.URL())
	if err := srv.Serve(ctx); err != nil {
		fmt.Fprintf(stderr, "tether-gateway: %v\n", err)
		return 1
	}
	return 0
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
