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

func (x *suite) testSessionsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	tid := mustTicket(t, s, "t")
	var want []store.Session
	for i, v := range nasty {
		ss := &store.Session{
			ID: fmt.Sprintf("s_%d%s", i, v), TicketID: tid, InviteCode: v, Technician: v,
			Scopes: []string{"shell", v}, Granted: []string{v},
			Host:          store.HostInfo{Hostname: v, OS: "linux", OSVersion: v, Arch: "amd64", User: v},
			ClientVersion: v, RemoteAddr: "127.0.0.1:" + v, EndReason: v,
		}
		if i%3 == 1 {
			ss.State, ss.ConnectedAt = store.SessionConnected, ptr(t0.Add(time.Second))
		}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatalf("CreateSession(%q): %v", ss.ID, err)
		}
		if i%3 == 0 && ss.State != store.SessionWaiting {
			t.Errorf("default state = %q, want waiting", ss.State)
		}
		want = append(want, *ss)
		clk.Advance(time.Second)
	}
	for _, st := range []Store{s, x.reopen(t, s)} {
		for _, w := range want {
			got, err := st.Session(ctx, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, *got, cmpOpts...); diff != "" {
				t.Errorf("Session(%q) (-want +got):\n%s", w.ID, diff)
			}
		}
		got, err := st.ListSessions(ctx, tid)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
			t.Errorf("ListSessions oldest first (-want +got):\n%s", diff)
		}
	}
}

func (x *suite) testSessionErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	if err := s.CreateSession(ctx, &store.Session{ID: "s_a", TicketID: tid}); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		err  error
		want error
	}{
		{"dup id", s.CreateSession(ctx, &store.Session{ID: "s_a", TicketID: tid}), store.ErrConflict},
		{"unknown ticket", s.CreateSession(ctx, &store.Session{ID: "s_b", TicketID: 42}), store.ErrNotFound},
		{"empty id", s.CreateSession(ctx, &store.Session{TicketID: tid}), nil},
		{"bad state", s.CreateSession(ctx, &store.Session{ID: "s_c", TicketID: tid, State: "zombie"}), nil},
		{"update unknown", s.UpdateSession(ctx, &store.Session{ID: "s_z", State: store.SessionEnded}), store.ErrNotFound},
		{"update bad state", s.UpdateSession(ctx, &store.Session{ID: "s_a", State: ""}), nil},
	}
	for _, c := range checks {
		if c.err == nil || (c.want != nil && !errors.Is(c.err, c.want)) {
			t.Errorf("%s: err = %v, want %v", c.name, c.err, c.want)
		}
	}
	if _, err := s.Session(ctx, "s_z"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session(unknown) err = %v, want ErrNotFound", err)
	}
}

func (x *suite) testUpdateSession(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	tid := mustTicket(t, s, "t")
	mk := func(id, state string) *store.Session {
		ss := &store.Session{ID: id, TicketID: tid, State: state, Scopes: []string{"shell", "diagnostics"}, Host: store.HostInfo{Hostname: "h"}}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		return ss
	}
	a := mk("s_a", store.SessionWaiting)

	a.State, a.Granted, a.ConnectedAt = store.SessionConnected, []string{"shell"}, ptr(t0.Add(time.Second))
	a.Scopes, a.Host = []string{"ignored"}, store.HostInfo{Hostname: "ignored"} // not updatable
	if err := s.UpdateSession(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, "s_a")
	if err != nil {
		t.Fatal(err)
	}
	want := *a
	want.Scopes, want.Host = []string{"shell", "diagnostics"}, store.HostInfo{Hostname: "h"}
	if diff := cmp.Diff(want, *got, cmpOpts...); diff != "" {
		t.Errorf("after UpdateSession (-want +got):\n%s", diff)
	}
}

// testOpenSessions: OpenSessions lists the waiting and connected sessions
// of every ticket, oldest first, and none that ended.
func (x *suite) testOpenSessions(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	t1, t2 := mustTicket(t, s, "one"), mustTicket(t, s, "two")
	for _, c := range []struct {
		id     string
		ticket int64
		state  string
	}{
		{"s_w1", t1, store.SessionWaiting},
		{"s_e1", t1, store.SessionEnded},
		{"s_c2", t2, store.SessionConnected},
		{"s_w2", t2, store.SessionWaiting},
	} {
		if err := s.CreateSession(ctx, &store.Session{ID: c.id, TicketID: c.ticket, State: c.state}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	got, err := s.OpenSessions(ctx)
	if err != nil {
		t.Fatalf("OpenSessions: %v", err)
	}
	var ids []string
	for _, ss := range got {
		ids = append(ids, ss.ID)
	}
	if diff := cmp.Diff([]string{"s_w1", "s_c2", "s_w2"}, ids); diff != "" {
		t.Errorf("OpenSessions ids (-want +got):\n%s", diff)
	}
}
