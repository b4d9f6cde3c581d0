// Package consent asks the end user, on their own terminal, what a
// technician may do. It shows who asks and why, then each scope in plain
// words, and returns only what the user said yes to. A pre-given list
// (--accept) is the user's explicit consent on the command line.
package consent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// ErrDeclined means the user granted nothing.
var ErrDeclined = errors.New("declined by user")

// Prompt asks on a terminal.
type Prompt struct {
	// Lines, when set, supplies the user's answers (a reader shared with
	// the rest of the program); otherwise In is scanned.
	Lines <-chan string
	In    io.Reader
	Out   io.Writer
	// Preset, when non-nil, is the user's consent given with --accept: no questions are asked.
	Preset wire.Scopes
	// Now returns the time (for "expires in"); default time.Now.
	Now func() time.Time
	// Available says whether this computer can provide a scope at all (for
	// example no screen capture on this platform). Unavailable scopes are
	// shown with the reason and never granted. Nil: everything is available.
	Available func(wire.Scope) (bool, string)
	// Details are lines printed under a scope to say concretely what it
	// allows (see DiagnosticsDetails).
	Details map[wire.Scope][]string
}

// Ask shows the offer and returns the granted scopes.
func (p *Prompt) Ask(ctx context.Context, offer wire.Offer) (wire.Scopes, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	asked, err := wire.NewScopes(offer.Scopes)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(p.Out, "\n%s asks for access to this computer for ticket #%d: %q.\n", orUnknown(offer.Technician), offer.Ticket.ID, offer.Ticket.Title)
	if !offer.ExpiresAt.IsZero() {
		fmt.Fprintf(p.Out, "The invitation expires in %s.\n", offer.ExpiresAt.Sub(now()).Round(time.Second))
	}
	fmt.Fprintln(p.Out, "They ask to:")
	offerable := wire.Scopes{}
	for _, sc := range asked {
		if p.Available != nil {
			if ok, why := p.Available(sc); !ok {
				fmt.Fprintf(p.Out, "  - %s (%s): cannot be offered on this computer: %s\n", sc.Describe(), sc, why)
				continue
			}
		}
		offerable = append(offerable, sc)
		fmt.Fprintf(p.Out, "  - %s (%s)\n", sc.Describe(), sc)
		for _, d := range p.Details[sc] {
			fmt.Fprintf(p.Out, "      %s\n", d)
		}
	}
	asked = offerable
	fmt.Fprintln(p.Out, "Everything they do is recorded to the ticket. You can end the session at any time with Ctrl-C.")

	if p.Preset != nil {
		granted := p.Preset.Intersect(asked)
		for _, sc := range p.Preset {
			if !asked.Has(sc) {
				fmt.Fprintf(p.Out, "Note: --accept names %q, which was not asked for; ignoring it.\n", sc)
			}
		}
		if len(granted) == 0 {
			fmt.Fprintln(p.Out, "You accepted none of what was asked (--accept). Declining.")
			return nil, ErrDeclined
		}
		fmt.Fprintf(p.Out, "You accepted on the command line: %s.\n", granted)
		return granted, nil
	}

	lines := p.Lines
	if lines == nil {
		lines = Lines(p.In)
	}
	granted := wire.Scopes{}
	for _, sc := range asked {
		for {
			fmt.Fprintf(p.Out, "Allow them to %s? [y/N] ", sc.Describe())
			var answer string
			var ok bool
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case answer, ok = <-lines:
			}
			if !ok {
				fmt.Fprintln(p.Out)
				return nil, fmt.Errorf("no answer on the terminal (%v); use --accept to consent non-interactively", io.ErrUnexpectedEOF)
			}
			switch strings.ToLower(strings.TrimSpace(answer)) {
			case "y", "yes":
				granted = append(granted, sc)
			case "", "n", "no":
			default:
				fmt.Fprintln(p.Out, "Please answer y or n.")
				continue
			}
			break
		}
	}
	if len(granted) == 0 {
		fmt.Fprintln(p.Out, "You allowed nothing. Declining the invitation.")
		return nil, ErrDeclined
	}
	granted, _ = wire.NewScopes(granted.Strings())
	fmt.Fprintf(p.Out, "You allowed: %s.\n", granted)
	return granted, nil
}

// Lines scans r into a channel of lines, closed at end of input. The
// goroutine lives as long as r has input (for stdin: the process).
func Lines(r io.Reader) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			out <- sc.Text()
		}
	}()
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "A technician"
	}
	return s
}

// DiagnosticsDetails says what the diagnostics scope lets a technician
// read and contact, as the client enforces it: logs names the standard log
// locations (diag.LogLocations), maxHosts the bound on hosts and names,
// interactive whether the user can be asked about other files, and
// allowFiles the files approved with --allow-file.
func DiagnosticsDetails(logs string, maxHosts int, interactive bool, allowFiles []string) []string {
	d := []string{
		"reads system facts: operating system, CPU, memory, disks, processes, network settings, listening ports, services",
		"reads logs from " + logs,
	}
	var other string
	switch {
	case interactive && len(allowFiles) > 0:
		other = "reads " + strings.Join(allowFiles, ", ") + " (--allow-file); any other file only if you say yes when asked"
	case interactive:
		other = "reads any other file only if you say yes when asked, for that exact file"
	case len(allowFiles) > 0:
		other = "reads " + strings.Join(allowFiles, ", ") + " (--allow-file) and no other file"
	default:
		other = "reads no other file (to allow one, start with --allow-file PATH)"
	}
	return append(d, other,
		"never reads devices, network shares or relative paths",
		fmt.Sprintf("contacts at most %d hosts and looks up at most %d names that the technician names; each file and host is shown here as it is used", maxHosts, maxHosts))
}
