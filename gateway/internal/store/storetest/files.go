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

// testFilesRoundTrip: transfers keep every field, come back oldest first
// per ticket, default their time from the clock; unknown tickets, duplicate
// ids and unknown directions or states are refused.
func (x *suite) testFilesRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	tid := mustTicket(t, s, "t")
	other := mustTicket(t, s, "other")
	var want []store.File
	for i, text := range nasty {
		f := store.File{ID: fmt.Sprintf("f_%d", i), TicketID: tid, SessionID: "s_1", Direction: []string{store.FileCollected, store.FileSent}[i%2],
			Actor: text, Name: text + ".log", Path: "/x/" + text, Size: int64(i * 1000), SHA256: fmt.Sprintf("%064x", i),
			State: []string{store.FileComplete, store.FileRefused, store.FileFailed}[i%3], Error: text, Key: fmt.Sprintf("%d/f_%d.bin", tid, i),
			CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		if err := s.CreateFile(ctx, &f); err != nil {
			t.Fatal(err)
		}
		want = append(want, f)
	}
	clk.Advance(time.Hour)
	d := store.File{ID: "f_clock", TicketID: other, Direction: store.FileSent, State: store.FileComplete, Name: "a"}
	if err := s.CreateFile(ctx, &d); err != nil {
		t.Fatal(err)
	}
	if !d.CreatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("default CreatedAt = %v, want %v", d.CreatedAt, t0.Add(time.Hour))
	}
	r := x.reopen(t, s)
	got, err := r.ListFiles(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListFiles (-want +got):\n%s", diff)
	}
	one, err := r.File(ctx, "f_1")
	if err != nil || one.Name != want[1].Name {
		t.Errorf("File(f_1) = %+v, %v", one, err)
	}
	if _, err := r.File(ctx, "f_nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("File(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.CreateFile(ctx, &store.File{ID: "f_0", TicketID: tid, Direction: store.FileSent, State: store.FileComplete}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate id = %v, want ErrConflict", err)
	}
	if err := s.CreateFile(ctx, &store.File{ID: "f_x", TicketID: 999, Direction: store.FileSent, State: store.FileComplete}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown ticket = %v, want ErrNotFound", err)
	}
	if err := s.CreateFile(ctx, &store.File{ID: "f_y", TicketID: tid, Direction: "sideways", State: store.FileComplete}); err == nil {
		t.Error("unknown direction accepted")
	}
}
