package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/store"
)

func (x *suite) testMFALifecycle(t *testing.T) {
	s, _ := x.openTest(t)
	ctx := context.Background()
	if err := s.CreateUser(ctx, &store.User{Name: "alice", Role: store.RoleTechnician}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPendingTOTP(ctx, "alice", "PENDING1"); err != nil {
		t.Fatalf("SetPendingTOTP: %v", err)
	}
	if err := s.EnableTOTP(ctx, "alice", "OTHER", 5, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EnableTOTP with a stale pending secret: got %v, want ErrNotFound", err)
	}
	if err := s.EnableTOTP(ctx, "alice", "PENDING1", 100, []string{"h1", "h2"}); err != nil {
		t.Fatalf("EnableTOTP: %v", err)
	}
	got, err := s.UserMFA(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(store.MFA{Secret: "PENDING1", LastStep: 100, RecoveryLeft: 2}, got); diff != "" {
		t.Errorf("UserMFA after enable (-want +got):\n%s", diff)
	}
	u, _ := s.UserByName(ctx, "alice")
	if u.TOTPSecret != "PENDING1" {
		t.Errorf("User.TOTPSecret = %q, want the enabled secret", u.TOTPSecret)
	}

	for _, c := range []struct {
		step int64
		want bool
	}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}} {
		if ok, err := s.UseTOTPStep(ctx, "alice", c.step); err != nil || ok != c.want {
			t.Errorf("UseTOTPStep(%d) = %v, %v; want %v", c.step, ok, err, c.want)
		}
	}

	hashes, err := s.RecoveryHashes(ctx, "alice")
	if err != nil || !cmp.Equal(hashes, []string{"h1", "h2"}) {
		t.Errorf("RecoveryHashes = %v, %v", hashes, err)
	}
	if ok, _ := s.UseRecoveryCode(ctx, "alice", "h1"); !ok {
		t.Error("UseRecoveryCode(h1) first time: false, want true")
	}
	if ok, _ := s.UseRecoveryCode(ctx, "alice", "h1"); ok {
		t.Error("UseRecoveryCode(h1) second time: true, want false (single use)")
	}

	if err := s.DisableTOTP(ctx, "alice"); err != nil {
		t.Fatalf("DisableTOTP: %v", err)
	}
	got, _ = s.UserMFA(ctx, "alice")
	if diff := cmp.Diff(store.MFA{}, got); diff != "" {
		t.Errorf("UserMFA after disable (-want +got):\n%s", diff)
	}
	if _, err := s.UserMFA(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserMFA(nobody): got %v, want ErrNotFound", err)
	}
	if err := s.SetPendingTOTP(ctx, "nobody", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPendingTOTP(nobody): got %v, want ErrNotFound", err)
	}
}

func (x *suite) testSessionTechnicianAndConnected(t *testing.T) {
	s, _ := x.openTest(t)
	ctx := context.Background()
	tid := mustTicket(t, s, "t")
	for _, id := range []string{"s_a", "s_b"} {
		if err := s.CreateSession(ctx, &store.Session{ID: id, TicketID: tid, Technician: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := s.Session(ctx, "s_b")
	b.State = store.SessionConnected
	if err := s.UpdateSession(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSessionTechnician(ctx, "s_b", "bob"); err != nil {
		t.Fatalf("SetSessionTechnician: %v", err)
	}
	if err := s.SetSessionTechnician(ctx, "s_zz", "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetSessionTechnician(unknown): got %v, want ErrNotFound", err)
	}
	// A later UpdateSession from the broker's stale copy keeps the new technician.
	if err := s.UpdateSession(ctx, b); err != nil {
		t.Fatal(err)
	}
	cs, err := s.ConnectedSessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].ID != "s_b" || cs[0].Technician != "bob" {
		t.Errorf("ConnectedSessions = %+v, want only s_b handed to bob", cs)
	}
}
