package broker

import (
	"context"
	"errors"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// TestAnswerOnlyForThisSessionsPendingAsk: an agent cannot answer another
// session's ask, nor grant control without screen, nor answer twice; the
// feedback token survives a resume (the hash is kept, no new token sent).
func TestAnswerOnlyForThisSessionsPendingAsk(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	one := h.join(h.invite("diagnostics", "screen", "control"), "diagnostics")
	two := h.join(h.invite("diagnostics", "screen"), "diagnostics")
	if one.welcome.FeedbackToken == "" || one.welcome.FeedbackToken == two.welcome.FeedbackToken {
		t.Fatalf("feedback tokens %q %q", one.welcome.FeedbackToken, two.welcome.FeedbackToken)
	}
	l1, _ := h.b.Live(one.welcome.SessionID)
	l2, _ := h.b.Live(two.welcome.SessionID)

	ask2, err := l2.Ask(ctx, "alice", wire.Scopes{wire.ScopeScreen}, "x")
	if err != nil {
		t.Fatal(err)
	}
	answer := func(l *link, n wire.AnswerNotice) bool {
		ok, _, err := l.sc.SendRequest(wire.RequestAnswer, true, n.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if answer(one, wire.AnswerNotice{AskID: ask2.ID, Allowed: []string{"screen"}, Via: wire.ConsentWindow}) {
		t.Error("session one answered session two's ask")
	}
	if l1.Granted().Has(wire.ScopeScreen) {
		t.Error("session one got screen from another session's ask")
	}
	ask1, err := l1.Ask(ctx, "alice", wire.Scopes{wire.ScopeControl}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !answer(one, wire.AnswerNotice{AskID: ask1.ID, Allowed: []string{"control"}, Via: wire.ConsentWindow}) {
		t.Fatal("answer refused")
	}
	if l1.Granted().Has(wire.ScopeControl) {
		t.Error("control granted without screen")
	}
	if answer(one, wire.AnswerNotice{AskID: ask1.ID, Allowed: []string{"control"}, Via: wire.ConsentWindow}) {
		t.Error("a second answer was taken")
	}
	got, _ := h.st.Ask(ctx, ask1.ID)
	if got.State != store.AskAnswered || len(got.Allowed) != 0 {
		t.Errorf("ask after answer: %+v", got)
	}
	if _, err := l1.Ask(ctx, "alice", wire.Scopes{wire.ScopeDiagnostics}, ""); !errors.Is(err, ErrNothingToAsk) {
		t.Errorf("ask for granted scopes = %v, want ErrNothingToAsk", err)
	}

	// Resume keeps the feedback hash and sends no new token.
	before, _ := h.st.SessionFeedbackHash(ctx, one.welcome.SessionID)
	one.close()
	h.waitState(one.welcome.SessionID, store.SessionWaiting)
	r, err := h.resume(one.welcome.SessionID, one.welcome.ResumeToken, true, "diagnostics")
	if err != nil {
		t.Fatal(err)
	}
	after, _ := h.st.SessionFeedbackHash(ctx, one.welcome.SessionID)
	if r.welcome.FeedbackToken != "" || before == "" || after != before {
		t.Errorf("resume: token %q, hash %q → %q", r.welcome.FeedbackToken, before, after)
	}
	// Session two's ask, never answered, is still pending: its link is up.
	asks, _ := h.st.ListAsks(ctx, two.welcome.SessionID)
	if len(asks) != 1 || asks[0].State != store.AskPending {
		t.Errorf("session two's asks = %+v", asks)
	}
}
