// Command tether-bench measures a Tether gateway on loopback, side by side
// with OpenSSH, and writes a Markdown and a JSON report. `make bench` runs
// it; docs/performance.md explains the method and the figures.
//
// Phases (each bounded in time, each on a fresh gateway process):
//
//	interactive  keystroke echo, bulk throughput, session set-up: a real
//	             tether-client behind a real gateway vs Debian's sshd
//	transport    the same without a pty: tether-loadgen's synthetic shell
//	             vs sshd running cat, to see the gateway rather than the pty
//	recorder     asciicast writer throughput alone (go test -bench)
//	idle         RSS and goroutines per idle agent (tether-loadgen)
//	stall        connections that never send Hello: close time, RSS growth
//	shells       many shells streaming at once: aggregate MB/s, gateway CPU
//
// Everything runs on 127.0.0.0/8 only.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// bench holds the run's settings and owned resources.
type bench struct {
	bin, out, repo string
	tmp            string
	procs          *procs
	start          time.Time

	echoSamples int
	thrRuns     int
	thrBytes    int64
	setupRuns   int
}

func main() {
	os.Exit(run())
}

func run() int {
	b := &bench{procs: &procs{}, start: time.Now()}
	var (
		restartN  = flag.Int("restart-agents", 1000, "agents connected when the gateway is restarted")
		phases    = flag.String("phases", "interactive,transport,recorder,idle,stall,shells,restart", "comma-separated phases to run")
		agents    = flag.String("agents", "1000,5000", "idle agent levels, ascending")
		stallN    = flag.Int("stall", 1000, "connections that stall mid-handshake")
		shellsN   = flag.Int("shells", 100, "concurrent streaming shells")
		shellSize = flag.Int64("shell-bytes", 2_000_000, "bytes of /dev/zero each concurrent shell base64-encodes")
	)
	flag.StringVar(&b.bin, "bin", "bin", "directory with tether-gateway, tether-client and tether-loadgen")
	flag.StringVar(&b.out, "out", "bench/results", "directory for the report")
	flag.StringVar(&b.repo, "repo", ".", "repository root (for the recorder micro-benchmark)")
	flag.IntVar(&b.echoSamples, "echo-samples", 2000, "keystroke echo samples per transport")
	flag.IntVar(&b.thrRuns, "throughput-runs", 3, "bulk throughput runs per transport")
	flag.Int64Var(&b.thrBytes, "throughput-bytes", 50_000_000, "bytes of /dev/zero base64-encoded per throughput run")
	flag.IntVar(&b.setupRuns, "setup-runs", 20, "session set-ups per transport")
	flag.Parse()
	for _, p := range []*string{&b.bin, &b.out, &b.repo} {
		if abs, err := filepath.Abs(*p); err == nil {
			*p = abs
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if b.tmp, err = os.MkdirTemp("", "tether-bench-"); err != nil {
		fmt.Fprintln(os.Stderr, "tether-bench:", err)
		return 1
	}
	defer os.RemoveAll(b.tmp)
	defer b.procs.stopAll()
	raiseNoFile(b)

	rep := &report{Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), Targets: targets}
	want := map[string]bool{}
	for _, p := range strings.Split(*phases, ",") {
		want[strings.TrimSpace(p)] = true
	}
	fail := func(phase string, err error) {
		b.progress("%s: FAILED: %v", phase, err)
		rep.Errors = append(rep.Errors, phase+": "+err.Error())
	}
	if want["interactive"] && ctx.Err() == nil {
		b.progress("interactive: Tether (WebSocket → gateway → agent → pty)")
		if rep.Tether, err = b.interactiveTether(ctx); err != nil {
			fail("interactive tether", err)
		}
		b.progress("interactive: OpenSSH (x/crypto/ssh client → sshd → pty)")
		if rep.OpenSSH, err = b.interactiveOpenSSH(ctx); err != nil {
			fail("interactive openssh", err)
		}
	}
	if want["transport"] && ctx.Err() == nil {
		b.progress("transport: the same without a pty (synthetic agent vs sshd running cat)")
		if rep.Transport, err = b.transport(ctx); err != nil {
			fail("transport", err)
		}
	}
	if want["recorder"] && ctx.Err() == nil {
		b.progress("recorder: go test -bench BenchmarkCastOutput ./gateway/internal/recorder")
		if rep.Recorder, err = b.recorderBench(ctx); err != nil {
			fail("recorder", err)
		}
	}
	if want["idle"] && ctx.Err() == nil {
		var levels []int
		for _, s := range strings.Split(*agents, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n <= 0 || len(levels) > 0 && n <= levels[len(levels)-1] {
				fmt.Fprintf(os.Stderr, "tether-bench: --agents %q: want ascending positive numbers\n", *agents)
				return 2
			}
			levels = append(levels, n)
		}
		b.progress("idle agents: %v", levels)
		if rep.Idle, err = b.idleAgents(ctx, levels); err != nil {
			fail("idle", err)
		}
	}
	if want["stall"] && ctx.Err() == nil {
		b.progress("stalled handshakes: %d connections that never send Hello", *stallN)
		if rep.Stall, err = b.stalled(ctx, *stallN); err != nil {
			fail("stall", err)
		}
	}
	if want["shells"] && ctx.Err() == nil {
		b.progress("%d concurrent shells streaming %d bytes of base64 each", *shellsN, *shellSize*4/3)
		if rep.Shells, err = b.manyShells(ctx, *shellsN, *shellSize); err != nil {
			fail("shells", err)
		}
	}
	if want["restart"] && ctx.Err() == nil {
		b.progress("restart: %d agents, gateway restarted under them", *restartN)
		if rep.Restart, err = b.restart(ctx, *restartN); err != nil {
			fail("restart", err)
		}
	}
	rep.Seconds = time.Since(b.start).Seconds()
	rep.evaluate()
	md, js, err := rep.write(b.out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tether-bench: write report:", err)
		return 1
	}
	b.progress("report: %s and %s", md, js)
	fmt.Println()
	fmt.Print(rep.markdown())
	if len(rep.Errors) > 0 {
		return 1
	}
	return 0
}

func (b *bench) progress(format string, args ...any) {
	el := time.Since(b.start).Round(time.Second)
	fmt.Fprintf(os.Stderr, "[bench %6s] %s\n", el, fmt.Sprintf(format, args...))
}

func (b *bench) tempDir(name string) string {
	d := filepath.Join(b.tmp, name)
	os.MkdirAll(d, 0o700)
	return d
}

// raiseNoFile lifts the open-files limit to the hard limit (or 65536 when
// running as root) so thousands of agents fit; children inherit it.
func raiseNoFile(b *bench) {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return
	}
	hard := lim.Max
	if os.Geteuid() == 0 && lim.Max < 65536 {
		lim.Max = 65536
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		// Not allowed to raise the hard limit (no CAP_SYS_RESOURCE): use it.
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		lim.Cur = hard
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.progress("could not raise the open-files limit: %v", err)
			return
		}
	}
	b.progress("open-files limit: %d", lim.Cur)
}

func machine() string {
	var parts []string
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n := 0
		model := ""
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "processor") {
				n++
			}
			if model == "" && strings.HasPrefix(l, "model name") {
				model = strings.TrimSpace(l[strings.IndexByte(l, ':')+1:])
			}
		}
		parts = append(parts, fmt.Sprintf("%d × %s", n, model))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
		if len(f) >= 2 {
			kib, _ := strconv.ParseInt(f[1], 10, 64)
			parts = append(parts, fmt.Sprintf("%.0f GiB RAM", float64(kib)/1024/1024))
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		parts = append(parts, "Linux "+strings.TrimSpace(string(b)))
	}
	return strings.Join(parts, ", ")
}
