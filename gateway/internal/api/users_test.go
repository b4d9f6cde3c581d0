package api

import (
	"testing"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// TestSignInUsersAndSignOut runs login, user administration and logout
// through the handlers: a signed-out token stops working at once.
func TestSignInUsersAndSignOut(t *testing.T) {
	h := newAPIHarness(t)
	admin := h.user("ada", store.RoleAdmin)

	var login struct {
		Token string `json:"token"`
	}
	if code := h.do("POST", "/api/v1/login", "", map[string]string{"username": "ada", "password": "wrong password here"}, nil); code != 401 {
		t.Errorf("login with a bad password: %d, want 401", code)
	}
	if code := h.do("POST", "/api/v1/login", "", map[string]string{"username": "ada", "password": "correct horse battery staple"}, &login); code != 200 || login.Token == "" {
		t.Fatalf("login: %d, token %q", code, login.Token)
	}
	if code := h.do("POST", "/api/v1/users", admin, map[string]string{"name": "tom", "role": "technician", "password": "another long passphrase"}, nil); code != 201 && code != 200 {
		t.Errorf("create user: %d", code)
	}
	if code := h.do("POST", "/api/v1/users", admin, map[string]string{"name": "tom", "role": "technician", "password": "another long passphrase"}, nil); code < 400 {
		t.Errorf("create the same user twice: %d, want a refusal", code)
	}
	if code := h.do("POST", "/api/v1/users", admin, map[string]string{"name": "eve", "role": "emperor", "password": "another long passphrase"}, nil); code != 400 {
		t.Errorf("create a user with an unknown role: %d, want 400", code)
	}
	var users []map[string]any
	if code := h.do("GET", "/api/v1/users", admin, nil, &users); code != 200 || len(users) != 2 {
		t.Errorf("list users: %d, %d users, want 2", code, len(users))
	}
	tech := h.user("tina", store.RoleTechnician)
	if code := h.do("GET", "/api/v1/users", tech, nil, nil); code != 403 {
		t.Errorf("technician lists users: %d, want 403", code)
	}
	if code := h.do("PATCH", "/api/v1/users/tina", admin, map[string]any{"disabled": true}, nil); code != 200 {
		t.Errorf("disable user: %d", code)
	}
	if code := h.do("GET", "/api/v1/me", tech, nil, nil); code != 401 {
		t.Errorf("a disabled user's token: %d, want 401", code)
	}
	if code := h.do("POST", "/api/v1/logout", login.Token, nil, nil); code >= 300 {
		t.Errorf("logout: %d", code)
	}
	if code := h.do("GET", "/api/v1/me", login.Token, nil, nil); code != 401 {
		t.Errorf("token after logout: %d, want 401", code)
	}
}
