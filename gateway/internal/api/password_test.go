package api

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

const harnessPassword = "correct horse battery staple"

// secondToken issues another token of name at its current version: another
// browser signed in as the same user.
func (h *apiHarness) secondToken(name string, role store.Role) string {
	h.t.Helper()
	u, err := h.st.UserByName(context.Background(), name)
	if err != nil {
		h.t.Fatal(err)
	}
	tok, _, err := h.a.cfg.Tokens.Issue(name, string(role), u.TokenVersion)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

func TestChangePassword(t *testing.T) {
	h := newAPIHarness(t)
	here := h.user("tom", store.RoleTechnician)
	other := h.secondToken("tom", store.RoleTechnician)

	var e errorJSON
	cases := []struct {
		name     string
		body     map[string]string
		wantCode int
		wantErr  string
	}{
		{"wrong old password", map[string]string{"old_password": "not my password", "new_password": "a brand new password"}, 403, codeWrongPassword},
		{"no old password", map[string]string{"new_password": "a brand new password"}, 400, codeInvalidInput},
		{"too short", map[string]string{"old_password": harnessPassword, "new_password": "short"}, 400, codeInvalidInput},
		{"same as before", map[string]string{"old_password": harnessPassword, "new_password": harnessPassword}, 400, codeInvalidInput},
	}
	for _, c := range cases {
		e = errorJSON{}
		if got := h.do("POST", "/api/v1/me/password", here, c.body, &e); got != c.wantCode || e.Code != c.wantErr {
			t.Errorf("%s: got %d %q (%s), want %d %q", c.name, got, e.Code, e.Error, c.wantCode, c.wantErr)
		}
	}
	// Nothing took effect: both sign-ins still work.
	for _, tok := range []string{here, other} {
		if got := h.do("GET", "/api/v1/me", tok, nil, nil); got != 200 {
			t.Fatalf("after refused changes: GET /me = %d, want 200", got)
		}
	}

	var ok struct {
		Changed bool   `json:"changed"`
		Token   string `json:"token"`
	}
	if got := h.do("POST", "/api/v1/me/password", here, map[string]string{"old_password": harnessPassword, "new_password": "a brand new password"}, &ok); got != 200 || !ok.Changed || ok.Token == "" {
		t.Fatalf("change: got %d %+v, want 200 with a fresh token", got, ok)
	}
	if got := h.do("GET", "/api/v1/me", other, nil, nil); got != 401 {
		t.Errorf("the other browser's token after the change: GET /me = %d, want 401", got)
	}
	if got := h.do("GET", "/api/v1/me", here, nil, nil); got != 401 {
		t.Errorf("this browser's old token after the change: GET /me = %d, want 401", got)
	}
	if got := h.do("GET", "/api/v1/me", ok.Token, nil, nil); got != 200 {
		t.Errorf("the fresh token: GET /me = %d, want 200", got)
	}
	if got := h.do("POST", "/api/v1/login", "", map[string]string{"username": "tom", "password": harnessPassword}, nil); got != 401 {
		t.Errorf("sign-in with the old password: %d, want 401", got)
	}
	if got := h.do("POST", "/api/v1/login", "", map[string]string{"username": "tom", "password": "a brand new password"}, nil); got != 200 {
		t.Errorf("sign-in with the new password: %d, want 200", got)
	}

	entries, err := h.st.ListAudit(context.Background(), store.AuditFilter{Action: audit.ActionPasswordChange})
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]int{}
	for _, en := range entries {
		if en.Actor != "tom" {
			t.Errorf("audit actor %q, want tom", en.Actor)
		}
		results[string(en.Details)]++
	}
	if len(entries) != 2 { // one refused (wrong old password), one changed
		t.Errorf("audit %s entries: %d %v, want 2 (the refusal and the change)", audit.ActionPasswordChange, len(entries), results)
	}
}

func TestLoginSaysWhatIsWrongWithTheCode(t *testing.T) {
	h := newAPIHarness(t)
	tom := h.user("tom", store.RoleTechnician)
	var en struct {
		Secret string `json:"secret"`
	}
	if got := h.do("POST", "/api/v1/me/mfa/enroll", tom, map[string]string{}, &en); got != 200 {
		t.Fatalf("enroll: %d", got)
	}
	now := time.Now()
	code, _ := totp.GenerateCode(en.Secret, now)
	var conf struct {
		Token string `json:"token"`
	}
	if got := h.do("POST", "/api/v1/me/mfa/confirm", tom, map[string]string{"otp": code}, &conf); got != 200 {
		t.Fatalf("confirm: %d", got)
	}
	var st struct {
		Enabled bool `json:"enabled"`
		Left    int  `json:"recovery_codes_left"`
	}
	if got := h.do("GET", "/api/v1/me/mfa", conf.Token, nil, &st); got != 200 || !st.Enabled || st.Left != RecoveryCodeCount {
		t.Errorf("GET /me/mfa: %d %+v, want enabled with %d codes left", got, st, RecoveryCodeCount)
	}

	login := func(user, pw, otp string) (int, errorJSON) {
		var e errorJSON
		got := h.do("POST", "/api/v1/login", "", map[string]string{"username": user, "password": pw, "otp": otp}, &e)
		return got, e
	}
	cases := []struct {
		name, user, pw, otp string
		want                string
	}{
		{"wrong code", "tom", harnessPassword, "000000", codeOTPInvalid},
		{"reused code", "tom", harnessPassword, code, codeOTPReused},
		{"wrong password, any code", "tom", "wrong password", "000000", codeInvalidCredentials},
		{"unknown user, any code", "nobody", harnessPassword, "000000", codeInvalidCredentials},
		{"no code", "tom", harnessPassword, "", codeOTPRequired},
	}
	for _, c := range cases {
		if c.want == codeOTPInvalid && code == "000000" {
			continue
		}
		got, e := login(c.user, c.pw, c.otp)
		if got != 401 || e.Code != c.want {
			t.Errorf("%s: got %d %q (%q), want 401 %q", c.name, got, e.Code, e.Error, c.want)
		}
		if (c.want == codeOTPInvalid || c.want == codeOTPReused) && !e.OTPRequired {
			t.Errorf("%s: otp_required flag missing", c.name)
		}
	}
}
