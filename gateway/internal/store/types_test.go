package store

import "testing"

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

func TestRoleValid(t *testing.T) {
	for r, want := range map[Role]bool{RoleAdmin: true, RoleTechnician: true, RoleAuditor: true, "": false, "Admin": false} {
		if got := r.Valid(); got != want {
			t.Errorf("Role(%q).Valid() = %v, want %v", r, got, want)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID("s_")
		if len(id) != 18 || id[:2] != "s_" {
			t.Fatalf("NewID = %q, want s_ + 16 chars", id)
		}
		for _, c := range id[2:] {
			if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
				t.Fatalf("NewID = %q: %q is not lowercase base32", id, c)
			}
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
}
