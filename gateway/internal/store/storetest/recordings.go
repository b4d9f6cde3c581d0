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

func (x *suite) testRecordingsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	tid := mustTicket(t, s, "t")
	var want []store.Recording
	for i, v := range nasty {
		rec := &store.Recording{
			ID: fmt.Sprintf("r_%d%s", i, v), TicketID: tid, SessionID: v, Kind: store.KindTerminal,
			Actor: v, Title: v, Key: "recordings/" + v, Size: int64(i), SHA256: v, Signature: v,
		}
		if i%2 == 1 {
			rec.Kind, rec.State, rec.EndedAt = store.KindScreen, store.RecordingSealed, ptr(t0.Add(time.Minute))
		}
		if err := s.CreateRecording(ctx, rec); err != nil {
			t.Fatalf("CreateRecording(%q): %v", rec.ID, err)
		}
		want = append(want, *rec)
		clk.Advance(time.Second)
	}
	for _, st := range []Store{s, x.reopen(t, s)} {
		for _, w := range want {
			got, err := st.Recording(ctx, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, *got); diff != "" {
				t.Errorf("Recording(%q) (-want +got):\n%s", w.ID, diff)
			}
		}
		got, err := st.ListRecordings(ctx, tid)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListRecordings (-want +got):\n%s", diff)
		}
	}
}

func (x *suite) testUpdateAndInterruptRecordings(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	tid := mustTicket(t, s, "t")
	for _, id := range []string{"r_a", "r_b", "r_c"} {
		if err := s.CreateRecording(ctx, &store.Recording{ID: id, TicketID: tid, SessionID: "s_1", Kind: store.KindTerminal, Key: id + ".cast"}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	sealed := &store.Recording{ID: "r_b", State: store.RecordingSealed, EndedAt: ptr(t0.Add(time.Minute)), Size: 1234, SHA256: "ab", Signature: "c2ln"}
	if err := s.UpdateRecording(ctx, sealed); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recording(ctx, "r_b")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.RecordingSealed || got.Size != 1234 || got.SHA256 != "ab" || got.Signature != "c2ln" ||
		got.EndedAt == nil || !got.EndedAt.Equal(*sealed.EndedAt) || got.Key != "r_b.cast" || got.Kind != store.KindTerminal {
		t.Errorf("after UpdateRecording: %+v", got)
	}
	if err := s.UpdateRecording(ctx, &store.Recording{ID: "r_zz", State: store.RecordingSealed}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateRecording(unknown) err = %v, want ErrNotFound", err)
	}
	if err := s.UpdateRecording(ctx, &store.Recording{ID: "r_a", State: "bogus"}); err == nil {
		t.Error("UpdateRecording(bad state) = nil error")
	}
	if err := s.CreateRecording(ctx, &store.Recording{ID: "r_k", TicketID: tid, Kind: "video"}); err == nil {
		t.Error("CreateRecording(bad kind) = nil error")
	}

	at := t0.Add(time.Hour)
	interrupted, err := s.InterruptOpenRecordings(ctx, "", at)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range interrupted {
		ids = append(ids, r.ID)
		if r.State != store.RecordingInterrupted || r.EndedAt == nil || !r.EndedAt.Equal(at) || r.Key != r.ID+".cast" {
			t.Errorf("returned %+v, want interrupted at %v with its key", r, at)
		}
	}
	if diff := cmp.Diff([]string{"r_a", "r_c"}, ids); diff != "" {
		t.Errorf("interrupted ids (-want +got):\n%s", diff)
	}
	for _, id := range []string{"r_a", "r_c"} {
		r, err := s.Recording(ctx, id)
		if err != nil || r.State != store.RecordingInterrupted {
			t.Errorf("Recording(%s) = %+v, %v; want interrupted", id, r, err)
		}
	}
	if again, err := s.InterruptOpenRecordings(ctx, "", at); err != nil || len(again) != 0 {
		t.Errorf("second InterruptOpenRecordings = %v, %v; want none", again, err)
	}
}
