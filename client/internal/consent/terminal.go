package consent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNoTerminal means a question could not be put: the user's input is
// closed (started by a script) or the session is over.
var ErrNoTerminal = errors.New("no terminal to ask on")

// Terminal shares the user's typed lines, once the session runs, between
// the command reader ("revoke shell", "end") and the questions the client
// asks mid-session ("Alice asks to read /home/u/app.log. Allow? [y/N]").
// While a question is open the next line is its answer; every other line
// is a command. One reader (Run) owns the lines.
//
//	stdin ──► Lines ──► Terminal.Run ──┬──► Commands() (revoke, end, help)
//	                                   └──► Confirm's answer, while a question is open
type Terminal struct {
	lines    <-chan string
	out      io.Writer
	asks     chan *question
	commands chan string
	closed   chan struct{} // closed when the input ended
}

type question struct {
	ctx    context.Context
	text   string
	answer chan bool // buffered: Run never blocks on it
}

// NewTerminal returns a Terminal over lines (from Lines) printing to out.
func NewTerminal(lines <-chan string, out io.Writer) *Terminal {
	return &Terminal{lines: lines, out: out, asks: make(chan *question),
		commands: make(chan string), closed: make(chan struct{})}
}

// Commands carries the typed lines that were not answers. It is closed
// when the input ends or Run returns.
func (t *Terminal) Commands() <-chan string { return t.commands }

// Run routes lines until ctx is done or the input ends. Call it once, after
// the consent questions (which read the lines themselves).
func (t *Terminal) Run(ctx context.Context) {
	defer close(t.commands)
	var pending *question
	for {
		var asks chan *question
		var gone <-chan struct{}
		if pending == nil {
			asks = t.asks
		} else {
			gone = pending.ctx.Done()
		}
		select {
		case <-ctx.Done():
			return
		case q := <-asks:
			pending = q
			fmt.Fprint(t.out, "\n"+q.text)
		case <-gone:
			fmt.Fprintln(t.out, "\n(question withdrawn: not allowed)")
			pending = nil
		case line, ok := <-t.lines:
			if !ok {
				close(t.closed)
				if pending != nil {
					fmt.Fprintln(t.out, "\n(no more input: not allowed)")
				}
				return
			}
			if pending != nil && pending.ctx.Err() != nil {
				fmt.Fprintln(t.out, "\n(question withdrawn: not allowed)")
				pending = nil
			}
			if pending != nil {
				switch strings.ToLower(strings.TrimSpace(line)) {
				case "y", "yes":
					pending.answer <- true
					fmt.Fprintln(t.out, "Allowed.")
					pending = nil
				case "", "n", "no":
					pending.answer <- false
					fmt.Fprintln(t.out, "Not allowed.")
					pending = nil
				default:
					fmt.Fprint(t.out, "Please answer y or n. "+pending.text)
				}
				continue
			}
			select {
			case t.commands <- line:
			case <-ctx.Done():
				return
			}
		}
	}
}

// Confirm puts a yes/no question (ending in "[y/N] ") to the user and
// waits for the answer; an empty line is no. It returns ErrNoTerminal when
// the input is closed, or ctx's error when it ends first (the question is
// then withdrawn). Questions are asked one at a time.
func (t *Terminal) Confirm(ctx context.Context, text string) (bool, error) {
	q := &question{ctx: ctx, text: text, answer: make(chan bool, 1)}
	select {
	case t.asks <- q:
	case <-t.closed:
		return false, ErrNoTerminal
	case <-ctx.Done():
		return false, context.Cause(ctx)
	}
	select {
	case yes := <-q.answer:
		return yes, nil
	case <-t.closed:
		return false, ErrNoTerminal
	case <-ctx.Done():
		return false, context.Cause(ctx)
	}
}
