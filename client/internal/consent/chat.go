package consent

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// ChatLine formats a chat message for the terminal: "[15:04] alice: text",
// with the text cleaned of control characters and each further line of a
// multi-line message indented under the first.
func ChatLine(m wire.ChatMessage, who string, now time.Time) string {
	at := m.At
	if at.IsZero() {
		at = now
	}
	if who == "" {
		who = wire.CleanText(m.From, 64)
	}
	if who == "" {
		who = "technician"
	}
	prefix := fmt.Sprintf("[%s] %s: ", at.Local().Format("15:04"), who)
	text := wire.CleanChatText(m.Text)
	return prefix + strings.ReplaceAll(text, "\n", "\n"+strings.Repeat(" ", len([]rune(prefix))))
}

// AskMore puts a technician's live request for more scopes to the user on
// the terminal, one question per scope, like the consent questions, and
// returns what they allowed (a subset of n.Scopes).
func AskMore(ctx context.Context, t *Terminal, out io.Writer, n wire.AskNotice) (wire.Scopes, error) {
	asked, err := wire.NewScopes(n.Scopes)
	if err != nil {
		return nil, err
	}
	who := orUnknown(wire.CleanText(n.Technician, 64))
	if r := wire.CleanText(n.Reason, wire.MaxAskReason); r != "" {
		fmt.Fprintf(out, "\n%s asks for more: %q\n", who, r)
	} else {
		fmt.Fprintf(out, "\n%s asks for more.\n", who)
	}
	var allowed []string
	for _, sc := range asked {
		yes, err := t.Confirm(ctx, fmt.Sprintf("Allow them to %s? [y/N] ", sc.Describe()))
		if err != nil {
			return nil, err
		}
		if yes {
			allowed = append(allowed, string(sc))
		}
	}
	out2, _ := wire.NewScopes(allowed)
	if len(out2) == 0 {
		fmt.Fprintln(out, "You allowed nothing more.")
	} else {
		fmt.Fprintf(out, "You allowed: %s.\n", out2)
	}
	return out2, nil
}

// RatingQuestion is asked on the terminal when the session ended.
const RatingQuestion = "How was the help? Type 1 to 5 (Enter to skip): "

// AskRating asks for a rating (1 to 5, Enter skips) and an optional
// comment. ok is false when the user skipped or the input ended.
func AskRating(ctx context.Context, lines <-chan string, out io.Writer) (rating int, comment string, ok bool) {
	read := func() (string, bool) {
		select {
		case l, ok := <-lines:
			return strings.TrimSpace(l), ok
		case <-ctx.Done():
			return "", false
		}
	}
	for tries := 0; tries < 3; tries++ {
		fmt.Fprint(out, RatingQuestion)
		l, more := read()
		if !more || l == "" {
			fmt.Fprintln(out)
			return 0, "", false
		}
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 5 {
			fmt.Fprintln(out, "Please type a number from 1 to 5.")
			continue
		}
		fmt.Fprint(out, "Anything you want to add? (Enter to skip): ")
		c, _ := read()
		return n, wire.CleanChatText(c), true
	}
	return 0, "", false
}
