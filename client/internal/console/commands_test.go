package console

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/client/internal/consent"
	"github.com/tetherhq/tether/internal/wire"
)

// syncBuffer is a bytes.Buffer safe for the writers of one test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCommands(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out syncBuffer
	lines := consent.Lines(strings.NewReader("help\nnonsense\nrevoke shell\nend\nrevoke screen\n"))
	term := consent.NewTerminal(lines, &out)
	connected := make(chan struct{})
	close(connected)
	revoke := make(chan wire.Scopes)
	ended := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		Commands(ctx, term, connected, revoke, func() { close(ended) }, &out)
	}()
	select {
	case got := <-revoke:
		if want := (wire.Scopes{wire.ScopeShell}); got.String() != want.String() {
			t.Errorf("revoke: got %v, want %v", got, want)
		}
	case <-ctx.Done():
		t.Fatal("no revoke from \"revoke shell\"")
	}
	select {
	case <-ended:
	case <-ctx.Done():
		t.Fatal("\"end\" did not call end")
	}
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("Commands did not return after \"end\"")
	}
	select {
	case got := <-revoke:
		t.Errorf("a line after \"end\" was read: revoke %v", got)
	default:
	}
	if got := out.String(); !strings.Contains(got, consent.CommandHelp) || !strings.Contains(got, `unknown command "nonsense"`) {
		t.Errorf("output %q: want the command help and the unknown command", got)
	}
}

func TestCommandsWaitsForTheSession(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	term := consent.NewTerminal(consent.Lines(strings.NewReader("end\n")), &syncBuffer{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		Commands(ctx, term, make(chan struct{}), nil, func() { t.Error("end called before the session was connected") }, &syncBuffer{})
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	<-done
}

func TestCommandsSay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out syncBuffer
	lines := consent.Lines(strings.NewReader("say The Printer works\nchat   again  \nsay\nend\n"))
	term := consent.NewTerminal(lines, &out)
	connected := make(chan struct{})
	close(connected)
	var said []string
	Commands := func() {
		CommandsWith(ctx, term, connected, Handlers{End: func() {}, Say: func(_ context.Context, s string) error {
			said = append(said, s)
			return nil
		}}, &out)
	}
	Commands() // returns after "end"
	if strings.Join(said, "|") != "The Printer works|again" {
		t.Fatalf("said %q", said)
	}
	if !strings.Contains(out.String(), "say what?") {
		t.Fatalf("an empty say was not explained: %q", out.String())
	}
}
