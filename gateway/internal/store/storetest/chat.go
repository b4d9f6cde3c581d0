package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// testConsentAndRating: the consent method round-trips, a feedback hash is
// stored, and a session is rated exactly once.
func (x *suite) testConsentAndRating(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	if err := s.CreateSession(ctx, &store.Session{ID: "s_c", TicketID: tid, Consent: "window"}); err != nil {
		t.Fatal(err)
	}
	r := x.reopen(t, s)
	got, err := r.Session(ctx, "s_c")
	if err != nil {
		t.Fatal(err)
	}
	if got.Consent != "window" || got.Rating != 0 || got.RatedAt != nil {
		t.Fatalf("fresh session: consent %q rating %d rated_at %v", got.Consent, got.Rating, got.RatedAt)
	}
	if err := s.SetSessionFeedback(ctx, "s_c", "fh"); err != nil {
		t.Fatal(err)
	}
	if h, err := r.SessionFeedbackHash(ctx, "s_c"); err != nil || h != "fh" {
		t.Fatalf("SessionFeedbackHash = %q, %v", h, err)
	}
	if err := s.SetSessionFeedback(ctx, "s_zz", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetSessionFeedback unknown = %v, want ErrNotFound", err)
	}
	// UpdateSession must not touch the rating or the consent.
	at := t0.Add(time.Minute)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = x.reopen(t, s).RateSession(ctx, "s_c", 4, nasty[6]+fmt.Sprint(i), at)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrAlreadyRated):
			t.Errorf("RateSession race: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("RateSession race: %d wins, want 1", wins)
	}
	got, _ = r.Session(ctx, "s_c")
	got.State, got.EndReason = store.SessionEnded, "x"
	if err := s.UpdateSession(ctx, got); err != nil {
		t.Fatal(err)
	}
	got, _ = r.Session(ctx, "s_c")
	if got.Rating != 4 || got.RatedAt == nil || !got.RatedAt.Equal(at) || got.Consent != "window" || got.RatingComment[:len(nasty[6])] != nasty[6] {
		t.Errorf("after rating: %+v", got)
	}
	if err := s.RateSession(ctx, "s_zz", 3, "", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RateSession unknown = %v, want ErrNotFound", err)
	}
	if err := s.RateSession(ctx, "s_c", 9, "", at); err == nil {
		t.Error("RateSession 9 accepted")
	}
}

// testChatRoundTrip: messages keep every field, are numbered per session in
// the order they were added (also under concurrency), and unknown sessions
// are refused.
func (x *suite) testChatRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	for _, id := range []string{"s_a", "s_b"} {
		if err := s.CreateSession(ctx, &store.Session{ID: id, TicketID: tid}); err != nil {
			t.Fatal(err)
		}
	}
	var want []store.ChatMessage
	for i, text := range nasty {
		m := store.ChatMessage{ID: fmt.Sprintf("c_%d", i), SessionID: "s_a", TicketID: tid, Sender: []string{store.SenderTechnician, store.SenderUser}[i%2],
			Author: text, Text: text + "!", At: t0.Add(time.Duration(i) * time.Second)}
		if err := s.AddChat(ctx, &m); err != nil {
			t.Fatal(err)
		}
		if m.Seq != int64(i+1) {
			t.Fatalf("seq = %d, want %d", m.Seq, i+1)
		}
		want = append(want, m)
	}
	got, err := x.reopen(t, s).ListChat(ctx, "s_a")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ListChat (-want +got):\n%s", d)
	}
	// Concurrent adds from two handles: seqs 1..n, no gaps, no duplicates.
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := s
			if i%2 == 1 {
				h = x.reopen(t, s)
			}
			if err := h.AddChat(ctx, &store.ChatMessage{ID: fmt.Sprintf("cb_%d", i), SessionID: "s_b", TicketID: tid, Sender: store.SenderUser, Text: "x"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, _ = s.ListChat(ctx, "s_b")
	for i, m := range got {
		if m.Seq != int64(i+1) {
			t.Fatalf("concurrent seqs: %d at %d", m.Seq, i)
		}
	}
	if len(got) != 10 {
		t.Fatalf("concurrent adds: %d messages, want 10", len(got))
	}
	if err := s.AddChat(ctx, &store.ChatMessage{ID: "c_0", SessionID: "s_a", TicketID: tid, Sender: store.SenderUser, Text: "dup"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate id = %v, want ErrConflict", err)
	}
	if err := s.AddChat(ctx, &store.ChatMessage{ID: "c_z", SessionID: "s_zz", TicketID: tid, Sender: store.SenderUser, Text: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown session = %v, want ErrNotFound", err)
	}
	if err := s.AddChat(ctx, &store.ChatMessage{ID: "c_y", SessionID: "s_a", TicketID: tid, Sender: "admin", Text: "x"}); err == nil {
		t.Error("bad sender accepted")
	}
	if got, _ := s.ListChat(ctx, "s_none"); got == nil || len(got) != 0 {
		t.Errorf("ListChat of no session = %v, want empty", got)
	}
}

// testAsksLifecycle: an ask is created pending, answered once, and the
// pending asks of a session are cancelled at its end.
func (x *suite) testAsksLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	if err := s.CreateSession(ctx, &store.Session{ID: "s_a", TicketID: tid}); err != nil {
		t.Fatal(err)
	}
	a := store.Ask{ID: "a_1", SessionID: "s_a", TicketID: tid, Technician: nasty[0], Scopes: []string{"screen", "shell"}, Reason: nasty[5]}
	if err := s.CreateAsk(ctx, &a); err != nil {
		t.Fatal(err)
	}
	b := store.Ask{ID: "a_2", SessionID: "s_a", TicketID: tid, Technician: "bob", Scopes: []string{"diagnostics"}, CreatedAt: t0.Add(time.Hour)}
	if err := s.CreateAsk(ctx, &b); err != nil {
		t.Fatal(err)
	}
	r := x.reopen(t, s)
	got, err := r.Ask(ctx, "a_1")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, *got); d != "" || got.State != store.AskPending {
		t.Errorf("Ask (-want +got):\n%s", d)
	}
	at := t0.Add(2 * time.Minute)
	if err := s.AnswerAsk(ctx, "a_1", []string{"shell"}, "window", at); err != nil {
		t.Fatal(err)
	}
	if err := r.AnswerAsk(ctx, "a_1", []string{"screen"}, "window", at); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second answer = %v, want ErrConflict", err)
	}
	if err := s.AnswerAsk(ctx, "a_zz", nil, "window", at); !errors.Is(err, store.ErrConflict) {
		t.Errorf("unknown ask = %v, want ErrConflict", err)
	}
	c := store.Ask{ID: "a_3", SessionID: "s_a", TicketID: tid, Technician: "bob", Scopes: []string{"screen"}, CreatedAt: t0.Add(2 * time.Hour)}
	if err := s.CreateAsk(ctx, &c); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelAsk(ctx, "a_3"); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelAsk(ctx, "a_1"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CancelAsk answered = %v, want ErrConflict", err)
	}
	if err := s.CancelAsks(ctx, "s_a"); err != nil {
		t.Fatal(err)
	}
	list, err := r.ListAsks(ctx, "s_a")
	if err != nil || len(list) != 3 {
		t.Fatalf("ListAsks = %v, %v", list, err)
	}
	if l := list[0]; l.ID != "a_1" || l.State != store.AskAnswered || l.Via != "window" || !cmp.Equal(l.Allowed, []string{"shell"}) || l.AnsweredAt == nil || !l.AnsweredAt.Equal(at) {
		t.Errorf("answered ask = %+v", l)
	}
	if l := list[1]; l.ID != "a_2" || l.State != store.AskCancelled || l.AnsweredAt != nil {
		t.Errorf("cancelled ask = %+v", l)
	}
	if err := s.CreateAsk(ctx, &store.Ask{ID: "a_1", SessionID: "s_a", TicketID: tid}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate ask = %v, want ErrConflict", err)
	}
	if _, err := s.Ask(ctx, "a_zz"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Ask unknown = %v, want ErrNotFound", err)
	}
}
