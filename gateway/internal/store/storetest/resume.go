package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// TestSwapSessionResume: the swap happens only while the stored hash is
// still the one the caller read, so a token can be spent once.
func (x *suite) testSwapSessionResume(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	if err := s.CreateSession(ctx, &store.Session{ID: "s_a", TicketID: tid}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSessionResume(ctx, "s_a", "h1"); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name       string
		id         string
		prev, next string
		wantErr    error
		wantStored string
	}{
		{"rotate from the current hash", "s_a", "h1", "h2 h1", nil, "h2 h1"},
		{"a second spend of the same read loses", "s_a", "h1", "h3 h1", store.ErrConflict, "h2 h1"},
		{"confirm drops the old hash", "s_a", "h2 h1", "h2", nil, "h2"},
		{"a late confirm does not resurrect", "s_a", "h2 h1", "h2", store.ErrConflict, "h2"},
		{"unknown session", "s_zz", "", "x", store.ErrConflict, "h2"},
	}
	for _, st := range steps {
		err := s.SwapSessionResume(ctx, st.id, st.prev, st.next)
		if st.wantErr == nil && err != nil || st.wantErr != nil && !errors.Is(err, st.wantErr) {
			t.Errorf("%s: SwapSessionResume err = %v, want %v", st.name, err, st.wantErr)
		}
		got, err := s.SessionResumeHash(ctx, "s_a")
		if err != nil {
			t.Fatal(err)
		}
		if got != st.wantStored {
			t.Errorf("%s: stored hash = %q, want %q", st.name, got, st.wantStored)
		}
	}
}
