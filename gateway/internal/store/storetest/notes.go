package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// testNotesRoundTrip: notes keep every field (minutes optional), come back
// oldest first per ticket, default their time from the clock, and unknown
// tickets, duplicate ids and unknown kinds are refused.
func (x *suite) testNotesRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	tid := mustTicket(t, s, "t")
	other := mustTicket(t, s, "other")
	kinds := []string{store.NoteNote, store.NoteWorklog, store.NoteEscalation, store.NoteResolution}
	var want []store.Note
	for i, text := range nasty {
		n := store.Note{ID: fmt.Sprintf("n_%d", i), TicketID: tid, Author: text, Kind: kinds[i%len(kinds)], Body: text + "!",
			CreatedAt: t0.Add(time.Duration(len(nasty)-i) * time.Second)}
		if n.Kind == store.NoteWorklog {
			n.Minutes = ptr(i * 15)
		}
		if n.Kind == store.NoteEscalation {
			n.Recipient = "bob"
		}
		if err := s.AddNote(ctx, &n); err != nil {
			t.Fatal(err)
		}
		want = append([]store.Note{n}, want...) // added newest first
	}
	clk.Advance(time.Hour)
	d := store.Note{ID: "n_clock", TicketID: other, Author: "alice", Kind: store.NoteNote, Body: "x"}
	if err := s.AddNote(ctx, &d); err != nil {
		t.Fatal(err)
	}
	if !d.CreatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("default CreatedAt = %v, want %v", d.CreatedAt, t0.Add(time.Hour))
	}
	r := x.reopen(t, s)
	got, err := r.ListNotes(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListNotes (-want +got):\n%s", diff)
	}
	if got, _ := r.ListNotes(ctx, other); len(got) != 1 || got[0].ID != "n_clock" || got[0].Minutes != nil {
		t.Errorf("ListNotes(other) = %+v, want only n_clock without minutes", got)
	}
	if err := s.AddNote(ctx, &store.Note{ID: "n_0", TicketID: tid, Kind: store.NoteNote, Body: "dup"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate id = %v, want ErrConflict", err)
	}
	if err := s.AddNote(ctx, &store.Note{ID: "n_z", TicketID: 999999, Kind: store.NoteNote, Body: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown ticket = %v, want ErrNotFound", err)
	}
	if err := s.AddNote(ctx, &store.Note{ID: "n_y", TicketID: tid, Kind: "gossip", Body: "x"}); err == nil {
		t.Error("unknown kind accepted")
	}
	if got, err := s.ListNotes(ctx, 424242); err != nil || got == nil || len(got) != 0 {
		t.Errorf("ListNotes of no ticket = %v, %v; want empty", got, err)
	}
}
