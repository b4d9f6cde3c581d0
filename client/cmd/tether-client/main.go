// Command tether-client lets a technician help on this computer, with the
// user's consent. It connects out to the gateway named in a join link.
//
//	tether-client join [--accept SCOPES] [--allow-file PATH]... JOIN
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/consent"
	"github.com/tetherhq/tether/client/internal/console"
	"github.com/tetherhq/tether/client/internal/diag"
	"github.com/tetherhq/tether/client/internal/host"
	"github.com/tetherhq/tether/internal/version"
	"github.com/tetherhq/tether/internal/wire"
)

const usage = `tether-client lets a technician help you on this computer, with your consent.

Usage:
  tether-client join [--accept SCOPES] [--allow-file PATH]... JOIN
                                          connect with the join link or string your technician gave you
  tether-client version

SCOPES is a comma-separated list of what you allow: diagnostics, shell, screen, control.
Without --accept you are asked about each one. Press Ctrl-C at any time to end the session.
Diagnostics read logs from the standard log locations only; any other file only if you say yes
when asked, or, with --accept, if you named it with --allow-file PATH (repeatable).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		args = console.InteractiveArgs(stdin, stdout) // Windows double-click: ask for the link
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "join":
		return join(args[1:], stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "tether-client", version.String())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "tether-client: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func join(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("join", flag.ContinueOnError)
	fs.SetOutput(stderr)
	accept := fs.String("accept", "", "scopes you allow without being asked, e.g. diagnostics,shell")
	verbose := fs.Bool("v", false, "log connection details to stderr")
	var allowFiles stringList
	fs.Var(&allowFiles, "allow-file", "a file outside the standard log locations that diagnostics may read (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "tether-client: join needs exactly one JOIN argument\n\n", usage)
		return 2
	}
	j, err := wire.ParseJoin(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "tether-client: %v\n", err)
		return 2
	}
	if len(j.Fingerprint) == 0 {
		fmt.Fprintln(stderr, "tether-client: the join link has no certificate fingerprint (#sha256=...); copy the whole link from your technician")
		return 2
	}
	// One reader owns stdin: it answers the consent questions, then carries
	// the user's commands (revoke, end) while the session runs.
	lines := consent.Lines(stdin)
	defer console.KeepOpen(lines, stdout) // Windows double-click: "Press Enter to close" (runs after stop)
	prompt := &consent.Prompt{Lines: lines, Out: stdout, Available: host.Available}
	if *accept != "" {
		sc, err := wire.ParseScopes(*accept)
		if err != nil {
			fmt.Fprintf(stderr, "tether-client: --accept: %v\n", err)
			return 2
		}
		prompt.Preset = sc
	}
	// Questions asked mid-session share stdin with the commands. With
	// --accept nobody is asked: only --allow-file paths are read.
	term := consent.NewTerminal(lines, stdout)
	var ask func(context.Context, string) (bool, error)
	if prompt.Preset == nil {
		ask = term.Confirm
	}
	files, err := diag.NewFilePolicy(diag.FilePolicyConfig{Allowed: allowFiles, Ask: ask})
	if err != nil {
		fmt.Fprintf(stderr, "tether-client: --allow-file: %v\n", err)
		return 2
	}
	prompt.Details = map[wire.Scope][]string{wire.ScopeDiagnostics: consent.DiagnosticsDetails(
		diag.LogLocations(runtime.GOOS), wire.MaxDiagHosts, ask != nil, allowFiles)}
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	revoke := make(chan wire.Scopes)
	connected := make(chan struct{})
	go console.Commands(ctx, term, connected, revoke, stop, stdout)

	fmt.Fprintf(stdout, "Connecting to %s ...\n", j.Addr)
	err = agent.Run(ctx, agent.Config{
		Join:    j,
		Version: version.Version,
		Consent: func(ctx context.Context, o wire.Offer) (wire.Scopes, error) {
			sc, err := prompt.Ask(ctx, o)
			if errors.Is(err, consent.ErrDeclined) {
				return nil, agent.ErrDeclined
			}
			return sc, err
		},
		Diag:   host.Diag(j.Addr, files),
		Screen: host.Screen(),
		Revoke: revoke,
		Events: func(e agent.Event) {
			fmt.Fprintf(stdout, "[%s] %s\n", time.Now().Format("15:04:05"), e.Message)
			if e.Kind == agent.EventConnected {
				select {
				case <-connected:
				default:
					close(connected)
					fmt.Fprintln(stdout, consent.CommandHelp)
				}
			}
		},
		Log: log,
	})
	switch {
	case err == nil:
		return 0
	case errors.Is(err, agent.ErrDeclined):
		fmt.Fprintln(stdout, "You declined. Nothing was shared.")
		return 0
	case errors.Is(err, agent.ErrEndedByUser):
		fmt.Fprintln(stdout, "Session ended by you.")
		return 0
	}
	fmt.Fprintf(stderr, "tether-client: %v\n", err)
	return 1
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }
