// Command tether-loadgen runs many Tether clients against one gateway, for
// benchmarks and soak tests. Each simulated client is the real agent
// (package client/internal/agent, the code tether-client runs): TLS with the
// pinned fingerprint, the WebSocket handshake (Hello → Offer → Accept →
// Welcome), the SSH server that accepts only the gateway's key, scope checks,
// keepalives and, with --resume, the client's reconnect and resume. The
// simulated user grants every offered scope. With --shell, agents serve real
// shells on pseudo-terminals; with --synthetic, a built-in shell without a pty
// or a process (echo, and "cat PATH") measures the transport alone; otherwise
// agents refuse to start any shell and stay idle.
//
//	tether-loadgen [flags] < joins.txt        one join string per line (agent mode)
//	tether-loadgen --mode stall --addr HOST:PORT --fingerprint B64 --count N
//
// Each agent dials from its own loopback source address (127.x.y.z, --per-ip
// agents per address) so that the gateway's per-address join limiter sees a
// realistic spread of clients instead of one address joining thousands of
// times. Only loopback sources are allowed.
//
// Machine-readable results are JSON objects, one per line, on stdout;
// progress goes to stderr. The process runs until SIGINT/SIGTERM (agent mode)
// or until every stalled connection was closed or --stall-wait passed.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tether-loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		mode        = fs.String("mode", "agent", "agent: join with the join strings on stdin; stall: open TLS+WebSocket connections that never send Hello")
		joinsFile   = fs.String("joins", "-", "file with one join string per line (agent mode); - for stdin")
		shells      = fs.Bool("shell", false, "serve real shells on pseudo-terminals (agent mode); default: refuse every shell")
		synthetic   = fs.Bool("synthetic", false, "serve synthetic shells without a pty: echo every byte, and 'cat PATH' streams a file (transport-only benchmarks)")
		shellProg   = fs.String("shell-program", "/bin/sh", "program run for each shell")
		source      = fs.String("source", "127.1.0.1", "first loopback source address; later agents use the following addresses")
		perIP       = fs.Int("per-ip", 20, "agents per source address (keep below the gateway's join burst of 30)")
		concurrency = fs.Int("concurrency", 16, "handshakes in flight at once")
		addr        = fs.String("addr", "", "gateway host:port (stall mode)")
		fpB64       = fs.String("fingerprint", "", "gateway fingerprint, base64url as in join strings (stall mode)")
		count       = fs.Int("count", 1000, "connections to open (stall mode)")
		stallWait   = fs.Duration("stall-wait", 60*time.Second, "how long to wait for the gateway to close stalled connections")
		verbose     = fs.Bool("v", false, "log each failure to stderr")
		resume      = fs.Bool("resume", false, "when the link drops, reconnect to the same session like the real client (prints a \"resumed\" event)")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	lvl := slog.LevelWarn
	if *verbose {
		lvl = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	src, err := newSourceAddrs(*source, *perIP)
	if err != nil {
		fmt.Fprintf(stderr, "tether-loadgen: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := &reporter{w: stdout, progress: stderr}

	switch *mode {
	case "agent":
		in := stdin
		if *joinsFile != "-" {
			f, err := os.Open(*joinsFile)
			if err != nil {
				fmt.Fprintf(stderr, "tether-loadgen: %v\n", err)
				return 1
			}
			defer f.Close()
			in = f
		}
		joins, err := readJoins(in)
		if err != nil {
			fmt.Fprintf(stderr, "tether-loadgen: %v\n", err)
			return 1
		}
		f := &fleet{joins: joins, src: src, concurrency: *concurrency, shells: *shells, synthetic: *synthetic, shellProgram: *shellProg, resume: *resume, log: log, out: out}
		if err := f.run(ctx); err != nil {
			fmt.Fprintf(stderr, "tether-loadgen: %v\n", err)
			return 1
		}
		return 0
	case "stall":
		fp, err := wire.ParseJoin(wire.JoinScheme + *addr + "/AAAA-AAAA-AAAA-AAAA#sha256=" + *fpB64)
		if err != nil {
			fmt.Fprintf(stderr, "tether-loadgen: --addr/--fingerprint: %v\n", err)
			return 2
		}
		s := &staller{join: fp, src: src, count: *count, concurrency: *concurrency, wait: *stallWait, log: log, out: out}
		if err := s.run(ctx); err != nil {
			fmt.Fprintf(stderr, "tether-loadgen: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "tether-loadgen: unknown --mode %q\n", *mode)
	return 2
}

// maxJoins bounds how many join strings one process accepts.
const maxJoins = 100_000

// readJoins parses one join string per non-empty line.
func readJoins(r io.Reader) ([]wire.Join, error) {
	var joins []wire.Join
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), wire.MaxJoinLen+2)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		j, err := wire.ParseJoin(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if len(j.Fingerprint) == 0 {
			return nil, fmt.Errorf("line %d: join string has no fingerprint", n)
		}
		if len(joins) == maxJoins {
			return nil, fmt.Errorf("more than %d join strings", maxJoins)
		}
		joins = append(joins, j)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading join strings: %w", err)
	}
	if len(joins) == 0 {
		return nil, fmt.Errorf("no join strings given")
	}
	return joins, nil
}

// reporter writes JSON result lines to stdout and progress to stderr.
type reporter struct {
	w        io.Writer
	progress io.Writer
}

func (r *reporter) result(v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(r.w, "%s\n", b)
}

func (r *reporter) progressf(format string, args ...any) {
	fmt.Fprintf(r.progress, "loadgen: "+format+"\n", args...)
}
