package consent

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

func TestChatLine(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 4, 0, 0, time.Local)
	got := ChatLine(wire.ChatMessage{From: "ali\x1b[31mce", Text: "hi\x1b]0;pwned\x07\nsecond line", At: at}, "", at)
	want := "[15:04] ali[31mce: hi]0;pwned\n                   second line"
	if got != want {
		t.Fatalf("ChatLine:\n got %q\nwant %q", got, want)
	}
	if got := ChatLine(wire.ChatMessage{Text: "ok"}, "you", at); got != "[15:04] you: ok" {
		t.Fatalf("own line: %q", got)
	}
}

func TestAskMoreOneQuestionPerScope(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := &syncWriter{asked: make(chan struct{}, 2)}
	lines := make(chan string)
	term := NewTerminal(lines, out)
	go term.Run(ctx)
	go func() {
		for _, answer := range []string{"n", "y"} {
			<-out.asked // answer once the question is on the terminal
			lines <- answer
		}
	}()
	sc, err := AskMore(ctx, term, out, wire.AskNotice{ID: "a1", Technician: "alice", Scopes: []string{"screen", "shell"}, Reason: "to see\x1b[2J the error"})
	if err != nil || sc.String() != "screen" {
		t.Fatalf("allowed %v, %v; want screen (the second question)", sc, err)
	}
	o := out.String()
	if !strings.Contains(o, `alice asks for more: "to see[2J the error"`) || strings.Count(o, "[y/N]") != 2 || strings.Contains(o, "\x1b") {
		t.Fatalf("terminal text: %q", o)
	}
}

func TestAskRating(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		in      []string
		rating  int
		comment string
		ok      bool
	}{
		{[]string{"4", "quick\x07 help"}, 4, "quick help", true},
		{[]string{""}, 0, "", false},
		{[]string{"9", "five", "2", ""}, 2, "", true},
	} {
		lines := make(chan string, len(tc.in))
		for _, l := range tc.in {
			lines <- l
		}
		close(lines)
		var out bytes.Buffer
		r, c, ok := AskRating(ctx, lines, &out)
		if r != tc.rating || c != tc.comment || ok != tc.ok {
			t.Errorf("%q: got %d %q %v", tc.in, r, c, ok)
		}
		if !strings.HasPrefix(out.String(), RatingQuestion) {
			t.Errorf("%q: asked %q", tc.in, out.String())
		}
	}
}

type syncWriter struct {
	mu    sync.Mutex
	b     bytes.Buffer
	asked chan struct{} // gets a value for every question written
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.asked != nil && bytes.Contains(p, []byte("[y/N]")) {
		s.asked <- struct{}{}
	}
	return s.b.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
