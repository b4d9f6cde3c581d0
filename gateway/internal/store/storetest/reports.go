package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/store"
)

func (x *suite) testReportsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	var want []store.Report
	for i, v := range nasty {
		body, err := json.Marshal(map[string]any{"id": v, "results": []any{map[string]string{"summary": v}}})
		if err != nil {
			t.Fatal(err)
		}
		rep := &store.Report{
			ID: fmt.Sprintf("d_%d%s", i, v), TicketID: tid, SessionID: v, Actor: v, Runbook: v,
			DurationMS: int64(i * 10), Counts: map[string]int{"ok": i, "fail": 1, v: 2}, Body: body,
		}
		if err := s.CreateReport(ctx, rep); err != nil {
			t.Fatalf("CreateReport(%q): %v", rep.ID, err)
		}
		want = append(want, *rep)
	}
	for _, st := range []Store{s, x.reopen(t, s)} {
		for _, w := range want {
			got, err := st.Report(ctx, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, *got); diff != "" {
				t.Errorf("Report(%q) (-want +got):\n%s", w.ID, diff)
			}
		}
		list, err := st.ListReports(ctx, tid)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(want) {
			t.Fatalf("ListReports: %d, want %d", len(list), len(want))
		}
		for i, got := range list {
			w := want[i]
			w.Body = nil
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("ListReports[%d] without body (-want +got):\n%s", i, diff)
			}
		}
	}
}

func (x *suite) testReportErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	if err := s.CreateReport(ctx, &store.Report{ID: "d_1", TicketID: tid}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Report(ctx, "d_1")
	if err != nil || string(got.Body) != "{}" || got.Counts == nil {
		t.Errorf("empty report read back as %+v, %v; want body {} and empty counts", got, err)
	}
	checks := []struct {
		name string
		err  error
		want error
	}{
		{"dup", s.CreateReport(ctx, &store.Report{ID: "d_1", TicketID: tid}), store.ErrConflict},
		{"unknown ticket", s.CreateReport(ctx, &store.Report{ID: "d_2", TicketID: 77}), store.ErrNotFound},
		{"bad body", s.CreateReport(ctx, &store.Report{ID: "d_3", TicketID: tid, Body: json.RawMessage(`{"a":`)}), nil},
		{"no id", s.CreateReport(ctx, &store.Report{TicketID: tid}), nil},
	}
	for _, c := range checks {
		if c.err == nil || (c.want != nil && !errors.Is(c.err, c.want)) {
			t.Errorf("%s: err = %v, want %v", c.name, c.err, c.want)
		}
	}
	if _, err := s.Report(ctx, "d_x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Report(unknown) err = %v, want ErrNotFound", err)
	}
}
