package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/store"
)

func (x *suite) testTicketsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	var want []store.Ticket
	for _, v := range nasty {
		tk := &store.Ticket{Title: v, Description: v, Requester: v, CreatedBy: v, AssignedTo: v}
		if err := s.CreateTicket(ctx, tk); err != nil {
			t.Fatalf("CreateTicket(%q): %v", v, err)
		}
		if tk.ID == 0 || tk.Status != store.StatusOpen || !tk.CreatedAt.Equal(clk.Now()) || !tk.UpdatedAt.Equal(tk.CreatedAt) {
			t.Errorf("CreateTicket filled %+v", tk)
		}
		want = append([]store.Ticket{*tk}, want...) // newest first
		clk.Advance(time.Second)
	}
	for _, st := range []Store{s, x.reopen(t, s)} {
		for _, w := range want {
			got, err := st.Ticket(ctx, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, *got); diff != "" {
				t.Errorf("Ticket(%d) (-want +got):\n%s", w.ID, diff)
			}
		}
		got, err := st.ListTickets(ctx, store.TicketFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListTickets newest first (-want +got):\n%s", diff)
		}
	}
	if _, err := s.Ticket(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Ticket(9999) err = %v, want ErrNotFound", err)
	}
}

func (x *suite) testListTicketsFilters(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	mk := func(title, desc, req, status, assignee string) int64 {
		tk := &store.Ticket{Title: title, Description: desc, Requester: req, Status: status, AssignedTo: assignee}
		if err := s.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Millisecond)
		return tk.ID
	}
	vpn := mk("VPN drops", "every hour", "bob@example.com", store.StatusOpen, "alice")
	pct := mk("disk 100% full", "", "carol", store.StatusInProgress, "alice")
	und := mk("printer_1 offline", "", "dave", store.StatusOpen, "")
	inj := mk("'; DROP TABLE tickets; --", "x", "eve", store.StatusClosed, "mallory")
	back := mk(`C:\temp`, "", "", store.StatusResolved, "")
	plain := mk("disk 100 full", "printer1 offline", "", store.StatusOpen, "")

	tests := []struct {
		name string
		f    store.TicketFilter
		want []int64
	}{
		{"all", store.TicketFilter{}, []int64{plain, back, inj, und, pct, vpn}},
		{"status", store.TicketFilter{Status: store.StatusOpen}, []int64{plain, und, vpn}},
		{"assignee", store.TicketFilter{AssignedTo: "alice"}, []int64{pct, vpn}},
		{"status+assignee", store.TicketFilter{Status: store.StatusOpen, AssignedTo: "alice"}, []int64{vpn}},
		{"query title", store.TicketFilter{Query: "vpn"}, []int64{vpn}},
		{"query description", store.TicketFilter{Query: "every"}, []int64{vpn}},
		{"query requester", store.TicketFilter{Query: "example.com"}, []int64{vpn}},
		{"percent is literal", store.TicketFilter{Query: "100%"}, []int64{pct}},
		{"lone percent", store.TicketFilter{Query: "%"}, []int64{pct}},
		{"underscore is literal", store.TicketFilter{Query: "printer_1"}, []int64{und}},
		{"lone underscore", store.TicketFilter{Query: "_"}, []int64{und}},
		{"backslash is literal", store.TicketFilter{Query: `C:\t`}, []int64{back}},
		{"injection is text", store.TicketFilter{Query: "'; DROP"}, []int64{inj}},
		{"no match", store.TicketFilter{Query: "zzz"}, []int64{}},
		{"limit", store.TicketFilter{Limit: 2}, []int64{plain, back}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListTickets(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, tk := range got {
				ids = append(ids, tk.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("ListTickets(%+v) ids (-want +got):\n%s", tt.f, diff)
			}
		})
	}
}

func (x *suite) testUpdateTicket(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	tk := &store.Ticket{Title: "a", Description: "b", Requester: "r", CreatedBy: "alice"}
	if err := s.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	tk.Status, tk.AssignedTo, tk.Title, tk.Description = store.StatusResolved, "bob", "new 'title'", "new %desc%"
	tk.Requester = "ignored" // not an updatable field
	if err := s.UpdateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if !tk.UpdatedAt.Equal(clk.Now()) {
		t.Errorf("UpdatedAt = %v, want %v", tk.UpdatedAt, clk.Now())
	}
	got, err := s.Ticket(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *tk
	want.Requester = "r"
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("after UpdateTicket (-want +got):\n%s", diff)
	}
	if err := s.UpdateTicket(ctx, &store.Ticket{ID: 999, Status: store.StatusOpen}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTicket(unknown) err = %v, want ErrNotFound", err)
	}
	if err := s.UpdateTicket(ctx, &store.Ticket{ID: tk.ID, Status: "bogus"}); err == nil {
		t.Error("UpdateTicket(bad status) = nil, want error")
	}
	if err := s.CreateTicket(ctx, &store.Ticket{Title: "x", Status: "bogus"}); err == nil {
		t.Error("CreateTicket(bad status) = nil, want error")
	}
}
