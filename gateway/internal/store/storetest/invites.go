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

func (x *suite) testInvitesRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	var want []store.Invite
	for i, v := range nasty {
		in := &store.Invite{
			Code:      fmt.Sprintf("CODE-%d-%s", i, v),
			TicketID:  tid,
			CreatedBy: v,
			Scopes:    []string{"shell", v},
			ExpiresAt: t0.Add(15 * time.Minute),
			SessionID: v,
		}
		if err := s.CreateInvite(ctx, in); err != nil {
			t.Fatalf("CreateInvite(%q): %v", in.Code, err)
		}
		want = append(want, *in)
	}
	nilScopes := &store.Invite{Code: "NOSCOPES", TicketID: tid, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateInvite(ctx, nilScopes); err != nil {
		t.Fatal(err)
	}
	want = append(want, *nilScopes)

	for _, st := range []Store{s, x.reopen(t, s)} {
		for _, w := range want {
			got, err := st.Invite(ctx, w.Code)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, *got, cmpOpts...); diff != "" {
				t.Errorf("Invite(%q) (-want +got):\n%s", w.Code, diff)
			}
		}
		got, err := st.ListInvites(ctx, tid)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("ListInvites: %d invites, want %d", len(got), len(want))
		}
	}
	if got, _ := s.Invite(ctx, "NOSCOPES"); got.Scopes == nil {
		t.Error("nil scopes read back as nil, want empty slice (JSON [])")
	}
}

func (x *suite) testInviteErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	in := store.Invite{Code: "A", TicketID: tid, ExpiresAt: t0.Add(time.Minute)}
	if err := s.CreateInvite(ctx, &in); err != nil {
		t.Fatal(err)
	}
	dup := in
	if err := s.CreateInvite(ctx, &dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate code err = %v, want ErrConflict", err)
	}
	if err := s.CreateInvite(ctx, &store.Invite{Code: "B", TicketID: 999, ExpiresAt: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown ticket err = %v, want ErrNotFound", err)
	}
	if err := s.CreateInvite(ctx, &store.Invite{Code: "C", TicketID: tid}); err == nil {
		t.Error("invite without expiry: nil error")
	}
	if _, err := s.Invite(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Invite(nope) err = %v, want ErrNotFound", err)
	}
}

func (x *suite) testUseInvite(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	for _, in := range []store.Invite{
		{Code: "FRESH", TicketID: tid, ExpiresAt: t0.Add(time.Minute)},
		{Code: "OLD", TicketID: tid, ExpiresAt: t0},
		{Code: "USED", TicketID: tid, ExpiresAt: t0.Add(time.Minute), UsedAt: ptr(t0.Add(-time.Second)), SessionID: "s_prev"},
	} {
		if err := s.CreateInvite(ctx, &in); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		code string
		want error
	}{
		{"OLD", store.ErrInviteExpired}, // expires_at == now is expired
		{"USED", store.ErrInviteUsed},
		{"NOPE", store.ErrNotFound},
		{"FRESH", nil},
		{"FRESH", store.ErrInviteUsed},
	}
	for _, tt := range tests {
		got, err := s.UseInvite(ctx, tt.code, t0, "s_new")
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("UseInvite(%q) err = %v, want %v", tt.code, err, tt.want)
			continue
		}
		if err == nil && (got.UsedAt == nil || !got.UsedAt.Equal(t0) || got.SessionID != "s_new") {
			t.Errorf("UseInvite(%q) = %+v, want used at %v by s_new", tt.code, got, t0)
		}
	}
	stored, err := s.Invite(ctx, "USED")
	if err != nil || stored.SessionID != "s_prev" {
		t.Errorf("a refused UseInvite changed the invite: %+v, %v", stored, err)
	}
}

func (x *suite) testUseInviteRaceExactlyOneWins(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	if err := s.CreateInvite(ctx, &store.Invite{Code: "RACE", TicketID: tid, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// A second handle on the same data (Backend.Reopen) races too, as
	// another gateway process would.
	other := x.reopen(t, s)

	const n = 20
	var wg sync.WaitGroup
	start := make(chan struct{})
	winners := make(chan string, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st := s
			if i%2 == 1 {
				st = other
			}
			<-start
			sid := fmt.Sprintf("s_%02d", i)
			if _, err := st.UseInvite(ctx, "RACE", t0, sid); err == nil {
				winners <- sid
			} else if !errors.Is(err, store.ErrInviteUsed) {
				errs <- err
			}
		}(i)
	}
	close(start)
	wg.Wait()
	close(winners)
	close(errs)
	for err := range errs {
		t.Errorf("loser got %v, want ErrInviteUsed", err)
	}
	var won []string
	for w := range winners {
		won = append(won, w)
	}
	if len(won) != 1 {
		t.Fatalf("winners = %v, want exactly one", won)
	}
	in, err := s.Invite(ctx, "RACE")
	if err != nil {
		t.Fatal(err)
	}
	if in.SessionID != won[0] {
		t.Errorf("stored session = %q, want winner %q", in.SessionID, won[0])
	}
}

// testExpireInvite: a withdrawn invite can no longer be used; withdrawing a
// used invite is refused, an expired one is a no-op, a missing one is
// ErrNotFound.
func (x *suite) testExpireInvite(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	for _, code := range []string{"LIVE", "USED", "OLD"} {
		exp := t0.Add(time.Hour)
		if code == "OLD" {
			exp = t0.Add(-time.Minute)
		}
		if err := s.CreateInvite(ctx, &store.Invite{Code: code, TicketID: tid, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UseInvite(ctx, "USED", t0, "s_1"); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Second)
	if err := s.ExpireInvite(ctx, "LIVE", at); err != nil {
		t.Fatalf("ExpireInvite(LIVE): %v", err)
	}
	inv, err := s.Invite(ctx, "LIVE")
	if err != nil || !inv.ExpiresAt.Equal(at) {
		t.Errorf("withdrawn invite = %+v, %v; want ExpiresAt %v", inv, err, at)
	}
	if _, err := s.UseInvite(ctx, "LIVE", at.Add(time.Second), "s_2"); !errors.Is(err, store.ErrInviteExpired) {
		t.Errorf("UseInvite(withdrawn) err = %v, want ErrInviteExpired", err)
	}
	if err := s.ExpireInvite(ctx, "USED", at); !errors.Is(err, store.ErrInviteUsed) {
		t.Errorf("ExpireInvite(USED) err = %v, want ErrInviteUsed", err)
	}
	if err := s.ExpireInvite(ctx, "OLD", at); err != nil {
		t.Errorf("ExpireInvite(OLD) err = %v, want nil (already expired)", err)
	}
	if inv, err := s.Invite(ctx, "OLD"); err != nil || !inv.ExpiresAt.Equal(t0.Add(-time.Minute)) {
		t.Errorf("ExpireInvite(OLD) moved its expiry: %+v, %v", inv, err)
	}
	if err := s.ExpireInvite(ctx, "NOPE", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ExpireInvite(missing) err = %v, want ErrNotFound", err)
	}
}
