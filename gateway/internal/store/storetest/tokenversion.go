package storetest

import (
	"context"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// Every security-relevant change of a user bumps the token version, so
// tokens issued before it end; cosmetic changes do not.
func (x *suite) testTokenVersionBumps(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	if err := s.CreateUser(ctx, &store.User{Name: "alice", Role: store.RoleTechnician, PasswordHash: "h1"}); err != nil {
		t.Fatal(err)
	}
	version := func() int64 {
		t.Helper()
		u, err := s.UserByName(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		return u.TokenVersion
	}
	steps := []struct {
		name   string
		change func(u *store.User)
		bump   bool
	}{
		{"display name", func(u *store.User) { u.DisplayName = "Alice" }, false},
		{"password", func(u *store.User) { u.PasswordHash = "h2" }, true},
		{"role", func(u *store.User) { u.Role = store.RoleAuditor }, true},
		{"role back", func(u *store.User) { u.Role = store.RoleTechnician }, true},
		{"disable", func(u *store.User) { u.Disabled = true }, true},
		{"enable", func(u *store.User) { u.Disabled = false }, true},
		{"nothing", func(u *store.User) {}, false},
	}
	for _, st := range steps {
		before := version()
		u, _ := s.UserByName(ctx, "alice")
		st.change(u)
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatalf("%s: UpdateUser: %v", st.name, err)
		}
		after := version()
		if got := after > before; got != st.bump {
			t.Errorf("%s: version %d → %d, want bumped=%v", st.name, before, after, st.bump)
		}
		if u.TokenVersion != after {
			t.Errorf("%s: UpdateUser set u.TokenVersion=%d, stored %d", st.name, u.TokenVersion, after)
		}
	}

	before := version()
	v, err := s.BumpTokenVersion(ctx, "alice")
	if err != nil || v != before+1 || version() != v {
		t.Errorf("BumpTokenVersion = %d, %v; want %d (stored %d)", v, err, before+1, version())
	}
	if _, err := s.BumpTokenVersion(ctx, "nobody"); err == nil {
		t.Errorf("BumpTokenVersion(nobody): no error")
	}

	before = version()
	if err := s.SetPendingTOTP(ctx, "alice", "SECRET"); err != nil {
		t.Fatal(err)
	}
	if version() != before {
		t.Errorf("SetPendingTOTP bumped the version: enrolling alone changes nothing yet")
	}
	if err := s.EnableTOTP(ctx, "alice", "SECRET", 1, nil); err != nil {
		t.Fatal(err)
	}
	if version() != before+1 {
		t.Errorf("EnableTOTP: version %d, want %d", version(), before+1)
	}
	if err := s.DisableTOTP(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if version() != before+2 {
		t.Errorf("DisableTOTP: version %d, want %d", version(), before+2)
	}
	if err := s.DisableTOTP(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if version() != before+2 {
		t.Errorf("DisableTOTP with MFA already off bumped the version to %d", version())
	}
}
