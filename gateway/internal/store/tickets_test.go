package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTicketsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, path, clk := openTest(t)
	var want []Ticket
	for _, v := range nasty {
		tk := &Ticket{Title: v, Description: v, Requester: v, CreatedBy: v, AssignedTo: v}
		if err := s.CreateTicket(ctx, tk); err != nil {
			t.Fatalf("CreateTicket(%q): %v", v, err)
		}
		if tk.ID == 0 || tk.Status != StatusOpen || !tk.CreatedAt.Equal(clk.Now()) || !tk.UpdatedAt.Equal(tk.CreatedAt) {
			t.Errorf("CreateTicket filled %+v", tk)
		}
		want = append([]Ticket{*tk}, want...) // newest first
		clk.Advance(time.Second)
	}
	for _, st := range []*SQLite{s, reopen(t, path)} {
		for _, w := range want {
			got, err := st.Ticket(ctx, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, *got); diff != "" {
				t.Errorf("Ticket(%d) (-want +got):\n%s", w.ID, diff)
			}
		}
		got, err := st.ListTickets(ctx, TicketFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListTickets newest first (-want +got):\n%s", diff)
		}
	}
	if _, err := s.Ticket(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Ticket(9999) err = %v, want ErrNotFound", err)
	}
}

func TestListTicketsFilters(t *testing.T) {
	ctx := context.Background()
	s, _, clk := openTest(t)
	mk := func(title, desc, req, status, assignee string) int64 {
		tk := &Ticket{Title: title, Description: desc, Requester: req, Status: status, AssignedTo: assignee}
		if err := s.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Millisecond)
		return tk.ID
	}
	vpn := mk("VPN drops", "every hour", "bob@example.com", StatusOpen, "alice")
	pct := mk("disk 100% full", "", "carol", StatusInProgress, "alice")
	und := mk("printer_1 offline", "", "dave", StatusOpen, "")
	inj := mk("'; DROP TABLE tickets; --", "x", "eve", StatusClosed, "mallory")
	back := mk(`C:\temp`, "", "", StatusResolved, "")
	plain := mk("disk 100 full", "printer1 offline", "", StatusOpen, "")

	tests := []struct {
		name string
		f    TicketFilter
		want []int64
	}{
		{"all", TicketFilter{}, []int64{plain, back, inj, und, pct, vpn}},
		{"status", TicketFilter{Status: StatusOpen}, []int64{plain, und, vpn}},
		{"assignee", TicketFilter{AssignedTo: "alice"}, []int64{pct, vpn}},
		{"status+assignee", TicketFilter{Status: StatusOpen, AssignedTo: "alice"}, []int64{vpn}},
		{"query title", TicketFilter{Query: "vpn"}, []int64{vpn}},
		{"query description", TicketFilter{Query: "every"}, []int64{vpn}},
		{"query requester", TicketFilter{Query: "example.com"}, []int64{vpn}},
		{"percent is literal", TicketFilter{Query: "100%"}, []int64{pct}},
		{"lone percent", TicketFilter{Query: "%"}, []int64{pct}},
		{"underscore is literal", TicketFilter{Query: "printer_1"}, []int64{und}},
		{"lone underscore", TicketFilter{Query: "_"}, []int64{und}},
		{"backslash is literal", TicketFilter{Query: `C:\t`}, []int64{back}},
		{"injection is text", TicketFilter{Query: "'; DROP"}, []int64{inj}},
		{"no match", TicketFilter{Query: "zzz"}, []int64{}},
		{"limit", TicketFilter{Limit: 2}, []int64{plain, back}},
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

func TestUpdateTicket(t *testing.T) {
	ctx := context.Background()
	s, _, clk := openTest(t)
	tk := &Ticket{Title: "a", Description: "b", Requester: "r", CreatedBy: "alice"}
	if err := s.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	tk.Status, tk.AssignedTo, tk.Title, tk.Description = StatusResolved, "bob", "new 'title'", "new %desc%"
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
	if err := s.UpdateTicket(ctx, &Ticket{ID: 999, Status: StatusOpen}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateTicket(unknown) err = %v, want ErrNotFound", err)
	}
	if err := s.UpdateTicket(ctx, &Ticket{ID: tk.ID, Status: "bogus"}); err == nil {
		t.Error("UpdateTicket(bad status) = nil, want error")
	}
	if err := s.CreateTicket(ctx, &Ticket{Title: "x", Status: "bogus"}); err == nil {
		t.Error("CreateTicket(bad status) = nil, want error")
	}
}

func TestValidStatus(t *testing.T) {
	for _, st := range []string{StatusOpen, StatusInProgress, StatusResolved, StatusClosed} {
		if !ValidStatus(st) {
			t.Errorf("ValidStatus(%q) = false", st)
		}
	}
	for _, st := range []string{"", "Open", "done"} {
		if ValidStatus(st) {
			t.Errorf("ValidStatus(%q) = true", st)
		}
	}
}
