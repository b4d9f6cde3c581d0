package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/store"
)

func (x *suite) testUsersRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	var want []store.User
	for i, v := range nasty {
		u := &store.User{
			Name:         "user" + string(rune('a'+i)) + v,
			DisplayName:  v,
			Role:         []store.Role{store.RoleAdmin, store.RoleTechnician, store.RoleAuditor}[i%3],
			PasswordHash: "$argon2id$" + v,
			TOTPSecret:   v,
			Disabled:     i%2 == 1,
		}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser(%q): %v", u.Name, err)
		}
		if u.ID == 0 || !u.CreatedAt.Equal(t0) {
			t.Errorf("CreateUser filled ID=%d CreatedAt=%v, want non-zero and %v", u.ID, u.CreatedAt, t0)
		}
		want = append(want, *u)
	}
	for _, st := range []Store{s, x.reopen(t, s)} {
		for _, w := range want {
			got, err := st.UserByName(ctx, w.Name)
			if err != nil {
				t.Fatalf("UserByName(%q): %v", w.Name, err)
			}
			if diff := cmp.Diff(w, *got); diff != "" {
				t.Errorf("UserByName(%q) mismatch (-want +got):\n%s", w.Name, diff)
			}
		}
		list, err := st.ListUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(want) {
			t.Errorf("ListUsers: got %d users, want %d", len(list), len(want))
		}
		n, err := st.CountUsers(ctx)
		if err != nil || n != len(want) {
			t.Errorf("CountUsers = %d, %v; want %d", n, err, len(want))
		}
	}
}

func (x *suite) testUserErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	if err := s.CreateUser(ctx, &store.User{Name: "alice", Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error // nil: any non-nil error
	}{
		{"duplicate", s.CreateUser(ctx, &store.User{Name: "alice", Role: store.RoleAuditor}), store.ErrConflict},
		{"bad role", s.CreateUser(ctx, &store.User{Name: "bob", Role: "root"}), nil},
		{"empty name", s.CreateUser(ctx, &store.User{Role: store.RoleAdmin}), nil},
		{"update unknown", s.UpdateUser(ctx, &store.User{Name: "nobody", Role: store.RoleAdmin}), store.ErrNotFound},
		{"update bad role", s.UpdateUser(ctx, &store.User{Name: "alice", Role: ""}), nil},
	}
	for _, tt := range tests {
		if tt.err == nil || (tt.want != nil && !errors.Is(tt.err, tt.want)) {
			t.Errorf("%s: err = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if _, err := s.UserByName(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByName(nobody) err = %v, want ErrNotFound", err)
	}
}

func (x *suite) testUpdateUser(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	u := &store.User{Name: "alice", Role: store.RoleTechnician, PasswordHash: "h1"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	u.Role, u.DisplayName, u.Disabled, u.PasswordHash, u.TOTPSecret = store.RoleAdmin, "Alice 'M'", true, "h2", "JBSWY3DP"
	if err := s.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*u, *got); diff != "" {
		t.Errorf("after UpdateUser (-want +got):\n%s", diff)
	}
}
