// Command tether-client lets a technician help on this computer, with the
// user's consent. It connects out to the gateway named in a join link, or
// to the gateway baked into it (make dist) with the invite code from its
// file name or typed by the user.
//
//	tether-client                       the consent window (double-click)
//	tether-client join [--window] [--accept SCOPES] [--allow-file PATH]... LINK|CODE
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tetherhq/tether/client/internal/app"
	"github.com/tetherhq/tether/client/internal/console"
	"github.com/tetherhq/tether/client/internal/preset"
	"github.com/tetherhq/tether/internal/version"
	"github.com/tetherhq/tether/internal/wire"
)

const usage = `tether-client lets a technician help you on this computer, with your consent.

Usage:
  tether-client                           open the consent window in your browser (a client
                                          downloaded from your technician's page knows where to go)
  tether-client join [--window] [--accept SCOPES] [--allow-file PATH]... LINK|CODE
                                          connect with the join link, or the support code your
                                          technician read to you; questions come on this terminal,
                                          or in the browser with --window
  tether-client version

SCOPES is a comma-separated list of what you allow: diagnostics, shell, screen, control, files.
Without --accept you are asked about each one. Press Ctrl-C at any time to end the session.
Diagnostics read logs from the standard log locations only; any other file only if you say yes
when asked, or, with --accept, if you named it with --allow-file PATH (repeatable).
`

func main() {
	os.Exit(run(os.Args[0], os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(self string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := app.Options{Self: self, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		if _, _, err := preset.Baked(); err == nil {
			return app.Window(ctx, opts) // double-click on a downloaded client
		}
		args = console.InteractiveArgs(stdin, stdout) // Windows double-click, no baked gateway: ask for the link
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "join":
		return join(ctx, args[1:], opts)
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

func join(ctx context.Context, args []string, opts app.Options) int {
	stderr := opts.Stderr
	fs := flag.NewFlagSet("join", flag.ContinueOnError)
	fs.SetOutput(stderr)
	accept := fs.String("accept", "", "scopes you allow without being asked, e.g. diagnostics,shell")
	inWindow := fs.Bool("window", false, "ask and show everything in a browser window instead of this terminal")
	verbose := fs.Bool("v", false, "log connection details to stderr")
	var allowFiles stringList
	maxFile := fs.Int64("max-file-size", 0, "largest file a technician may collect or send you, in bytes (default 100 MiB)")
	fs.Var(&allowFiles, "allow-file", "a file outside the standard log locations that diagnostics may read (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "tether-client: join needs exactly one LINK or CODE argument\n\n", usage)
		return 2
	}
	j, err := preset.Resolve(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "tether-client: %v\n", err)
		return 2
	}
	opts.Join, opts.AllowFiles, opts.Verbose = &j, allowFiles, *verbose
	opts.MaxFileSize = *maxFile
	if *accept != "" {
		sc, err := wire.ParseScopes(*accept)
		if err != nil {
			fmt.Fprintf(stderr, "tether-client: --accept: %v\n", err)
			return 2
		}
		if *inWindow {
			fmt.Fprintln(stderr, "tether-client: --accept and --window do not go together: the window asks you")
			return 2
		}
		opts.Accept = sc
	}
	if *inWindow {
		return app.Window(ctx, opts)
	}
	return app.Terminal(ctx, opts)
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }
