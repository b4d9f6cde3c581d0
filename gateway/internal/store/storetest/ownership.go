package storetest

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// ownedFixture creates, on one ticket, connected sessions and active
// recordings owned by gw_a, by gw_b and by nobody (rows from before owners
// were recorded); the "_r" sessions can be resumed.
func ownedFixture(t *testing.T, s Store) {
	t.Helper()
	ctx := context.Background()
	tid := mustTicket(t, s, "shared")
	for _, owner := range []string{"gw_a", "gw_b", ""} {
		tag := owner
		if tag == "" {
			tag = "none"
		}
		for _, id := range []string{"s_" + tag, "s_" + tag + "_r"} {
			if err := s.CreateSession(ctx, &store.Session{ID: id, TicketID: tid, State: store.SessionConnected, Owner: owner}); err != nil {
				t.Fatalf("CreateSession(%s): %v", id, err)
			}
		}
		if err := s.SetSessionResume(ctx, "s_"+tag+"_r", "h_"+tag); err != nil {
			t.Fatal(err)
		}
		r := &store.Recording{ID: "r_" + tag, TicketID: tid, SessionID: "s_" + tag, Kind: store.KindTerminal, Key: "k/" + tag, Owner: owner}
		if err := s.CreateRecording(ctx, r); err != nil {
			t.Fatalf("CreateRecording(%s): %v", r.ID, err)
		}
	}
}

func (x *suite) testOwnerStampedOnCreate(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	ownedFixture(t, s)
	for _, st := range []Store{s, x.reopen(t, s)} {
		for id, want := range map[string]string{"s_gw_a": "gw_a", "s_gw_b": "gw_b", "s_none": ""} {
			ss, err := st.Session(ctx, id)
			if err != nil || ss.Owner != want {
				t.Errorf("Session(%s).Owner = %+v, %v; want %q", id, ss, err, want)
			}
		}
		recs, err := st.ListRecordings(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range recs {
			got[r.ID] = r.Owner
		}
		if want := map[string]string{"r_gw_a": "gw_a", "r_gw_b": "gw_b", "r_none": ""}; !maps.Equal(got, want) {
			t.Errorf("recording owners = %v, want %v", got, want)
		}
	}
	// Updates do not move a row to another owner.
	ss, err := s.Session(ctx, "s_gw_a")
	if err != nil {
		t.Fatal(err)
	}
	ss.State, ss.Owner = store.SessionEnded, "gw_b"
	if err := s.UpdateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, "s_gw_a"); err != nil || got.Owner != "gw_a" {
		t.Errorf("after UpdateSession with another Owner: owner %q, %v; want gw_a", got.Owner, err)
	}
}

func (x *suite) testSuspendOnlyOwnSessions(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	ownedFixture(t, s)
	at := t0.Add(time.Hour)
	ids, err := s.SuspendOpenSessions(ctx, "gw_a", "restarted; waiting", "restarted", at)
	if err != nil {
		t.Fatalf("SuspendOpenSessions(gw_a): %v", err)
	}
	if want := []string{"s_gw_a_r"}; !slices.Equal(ids, want) {
		t.Errorf("SuspendOpenSessions(gw_a) = %v, want %v", ids, want)
	}
	want := map[string]struct{ state, reason string }{
		"s_gw_a":   {store.SessionEnded, "restarted"},
		"s_gw_a_r": {store.SessionWaiting, "restarted; waiting"},
		"s_gw_b":   {store.SessionConnected, ""},
		"s_gw_b_r": {store.SessionConnected, ""},
		"s_none":   {store.SessionConnected, ""},
		"s_none_r": {store.SessionConnected, ""},
	}
	for id, w := range want {
		ss, err := s.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if ss.State != w.state || ss.EndReason != w.reason {
			t.Errorf("%s: state %q reason %q, want %q %q", id, ss.State, ss.EndReason, w.state, w.reason)
		}
		if w.state == store.SessionEnded && (ss.EndedAt == nil || !ss.EndedAt.Equal(at)) {
			t.Errorf("%s: EndedAt = %v, want %v", id, ss.EndedAt, at)
		}
	}
	// A second start of the same instance finds its waiting session again
	// (it is still resumable) and nothing else.
	ids, err = s.SuspendOpenSessions(ctx, "gw_a", "again", "again", at)
	if err != nil || !slices.Equal(ids, []string{"s_gw_a_r"}) {
		t.Errorf("second SuspendOpenSessions(gw_a) = %v, %v; want [s_gw_a_r]", ids, err)
	}
}

func (x *suite) testInterruptOnlyOwnRecordings(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	ownedFixture(t, s)
	at := t0.Add(time.Hour)
	recs, err := s.InterruptOpenRecordings(ctx, "gw_b", at)
	if err != nil {
		t.Fatalf("InterruptOpenRecordings(gw_b): %v", err)
	}
	if len(recs) != 1 || recs[0].ID != "r_gw_b" || recs[0].State != store.RecordingInterrupted || recs[0].Owner != "gw_b" {
		t.Fatalf("InterruptOpenRecordings(gw_b) = %+v, want r_gw_b interrupted", recs)
	}
	for id, want := range map[string]string{"r_gw_a": store.RecordingActive, "r_gw_b": store.RecordingInterrupted, "r_none": store.RecordingActive} {
		r, err := s.Recording(ctx, id)
		if err != nil || r.State != want {
			t.Errorf("Recording(%s) = %+v, %v; want state %q", id, r, err, want)
		}
	}
}

func (x *suite) testClaimUnowned(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	ownedFixture(t, s)
	if _, err := s.ClaimUnowned(ctx, ""); err == nil {
		t.Error("ClaimUnowned(\"\") succeeded, want an error")
	}
	n, err := s.ClaimUnowned(ctx, "gw_a")
	if err != nil || n != 3 { // s_none, s_none_r, r_none
		t.Fatalf("ClaimUnowned(gw_a) = %d, %v; want 3", n, err)
	}
	if n, err := s.ClaimUnowned(ctx, "gw_a"); err != nil || n != 0 {
		t.Errorf("second ClaimUnowned = %d, %v; want 0", n, err)
	}
	for id, want := range map[string]string{"s_none": "gw_a", "s_none_r": "gw_a", "s_gw_b": "gw_b"} {
		ss, err := s.Session(ctx, id)
		if err != nil || ss.Owner != want {
			t.Errorf("Session(%s).Owner = %q, %v; want %q", id, ss.Owner, err, want)
		}
	}
	if r, err := s.Recording(ctx, "r_none"); err != nil || r.Owner != "gw_a" {
		t.Errorf("Recording(r_none).Owner = %q, %v; want gw_a", r.Owner, err)
	}
	ids, err := s.SuspendOpenSessions(ctx, "gw_a", "w", "e", t0)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if want := []string{"s_gw_a_r", "s_none_r"}; !slices.Equal(ids, want) {
		t.Errorf("after claiming, SuspendOpenSessions(gw_a) = %v, want %v", ids, want)
	}
}

func (x *suite) testCountUsers(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	for i, name := range []string{"alice", "bob", "carol"} {
		n, err := s.CountUsers(ctx)
		if err != nil || n != i {
			t.Fatalf("CountUsers before %s = %d, %v; want %d", name, n, err, i)
		}
		if err := s.CreateUser(ctx, &store.User{Name: name, Role: store.RoleTechnician, PasswordHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := x.reopen(t, s).CountUsers(ctx); err != nil || n != 3 {
		t.Errorf("CountUsers = %d, %v; want 3", n, err)
	}
}

// testSchemaMigrated: a fresh store is at its newest schema version, and a
// second handle (running the migrations again) neither fails nor moves it.
func (x *suite) testSchemaMigrated(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	v, err := s.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want a migrated schema", v, err)
	}
	if v2, err := x.reopen(t, s).SchemaVersion(ctx); err != nil || v2 != v {
		t.Errorf("SchemaVersion after reopening = %d, %v; want %d", v2, err, v)
	}
}
