package consent

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// screen is the user's terminal output; waitFor blocks until it shows s.
type screen struct {
	mu    sync.Mutex
	b     strings.Builder
	wrote chan struct{}
}

func newScreen() *screen { return &screen{wrote: make(chan struct{}, 1)} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Write(p)
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *screen) waitFor(t *testing.T, want string, count int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for strings.Count(s.String(), want) < count {
		select {
		case <-s.wrote:
		case <-deadline:
			t.Fatalf("terminal never showed %q (%d times); got:\n%s", want, count, s.String())
		}
	}
}

// startTerminal runs a Terminal over a piped stdin.
func startTerminal(t *testing.T) (*Terminal, *io.PipeWriter, *screen) {
	t.Helper()
	r, w := io.Pipe()
	out := newScreen()
	term := NewTerminal(Lines(r), out)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); term.Run(ctx) }()
	t.Cleanup(func() { cancel(); w.Close(); <-done })
	return term, w, out
}

func nextCommand(t *testing.T, term *Terminal) string {
	t.Helper()
	select {
	case c, ok := <-term.Commands():
		if !ok {
			t.Fatal("commands closed")
		}
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no command")
	}
	return ""
}

type answer struct {
	yes bool
	err error
}

func confirm(term *Terminal, ctx context.Context, q string) <-chan answer {
	ch := make(chan answer, 1)
	go func() {
		yes, err := term.Confirm(ctx, q)
		ch <- answer{yes, err}
	}()
	return ch
}

func TestTerminalSharesStdin(t *testing.T) {
	tests := []struct {
		name    string
		typed   []string // lines typed once the question shows
		want    bool
		reasked int // "Please answer y or n." count
	}{
		{"yes", []string{"y"}, true, 0},
		{"YES", []string{" YES "}, true, 0},
		{"no", []string{"n"}, false, 0},
		{"empty is no", []string{""}, false, 0},
		{"nonsense then yes", []string{"revoke shell", "y"}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, w, out := startTerminal(t)
			io.WriteString(w, "help\n")
			if got := nextCommand(t, term); got != "help" {
				t.Fatalf("before the question: command %q, want help", got)
			}
			q := "Alice asks to read /home/u/app.log. Allow? [y/N] "
			ans := confirm(term, context.Background(), q)
			out.waitFor(t, q, 1)
			for _, l := range tt.typed {
				io.WriteString(w, l+"\n")
			}
			a := <-ans
			if a.err != nil || a.yes != tt.want {
				t.Errorf("Confirm = %v, %v; want %v, nil", a.yes, a.err, tt.want)
			}
			if got := strings.Count(out.String(), "Please answer y or n."); got != tt.reasked {
				t.Errorf("re-asked %d times, want %d", got, tt.reasked)
			}
			io.WriteString(w, "end\n")
			if got := nextCommand(t, term); got != "end" {
				t.Errorf("after the question: command %q, want end (not taken as an answer)", got)
			}
		})
	}
}

func TestTerminalConfirmTimeout(t *testing.T) {
	term, w, out := startTerminal(t)
	ctx, cancel := context.WithCancel(context.Background())
	ans := confirm(term, ctx, "Allow? [y/N] ")
	out.waitFor(t, "Allow? [y/N] ", 1)
	cancel()
	if a := <-ans; a.err == nil || a.yes {
		t.Fatalf("withdrawn question: %v, %v; want an error", a.yes, a.err)
	}
	out.waitFor(t, "question withdrawn: not allowed", 1)
	io.WriteString(w, "y\n")
	if got := nextCommand(t, term); got != "y" {
		t.Errorf("line after a withdrawn question: command %q, want it routed as a command", got)
	}
}

func TestTerminalClosedInput(t *testing.T) {
	term, w, _ := startTerminal(t)
	w.Close()
	if _, ok := <-term.Commands(); ok {
		t.Fatal("commands still open after the input ended")
	}
	yes, err := term.Confirm(context.Background(), "Allow? [y/N] ")
	if yes || !errors.Is(err, ErrNoTerminal) {
		t.Errorf("Confirm with no input = %v, %v; want false, %v", yes, err, ErrNoTerminal)
	}
}
