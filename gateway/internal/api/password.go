package api

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
)

// changePassword is POST /api/v1/me/password {old_password, new_password}:
// a signed-in user changes their own password. The old password is checked
// like a sign-in (argon2id, constant time) and under the sign-in limits; the
// new one follows the policy of user creation. Afterwards every other
// sign-in of the user has ended (the store bumps the token version when the
// hash changes): their other event streams, shells and screen views close,
// while this browser gets a fresh token.
//
// A wrong old password is 403 wrong_password, not 401: the caller is signed
// in, and a 401 would sign the console out.
func (a *API) changePassword(w http.ResponseWriter, r *http.Request) {
	p := who(r)
	var req struct {
		OldPassword string `json:"old_password"`
		NewPassword string `json:"new_password"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	actor := audit.BoundActor(p.Name)
	refuse := func(status int, code, reason, msg string) {
		a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionPasswordChange, RemoteAddr: r.RemoteAddr,
			Details: map[string]any{"result": "refused", "reason": reason}})
		writeErrorCode(w, status, code, msg)
	}
	if req.OldPassword == "" {
		writeError(w, http.StatusBadRequest, "enter your current password")
		return
	}
	if err := auth.ValidatePassword(req.NewPassword); err != nil {
		writeError(w, http.StatusBadRequest, "new password: "+strings.TrimPrefix(err.Error(), "auth: "))
		return
	}
	if subtle.ConstantTimeCompare([]byte(req.NewPassword), []byte(req.OldPassword)) == 1 { // secrets: constant time
		writeError(w, http.StatusBadRequest, "the new password is the same as the current one")
		return
	}
	pair, ok := a.throttleLogin(w, r, actor)
	if !ok {
		return
	}
	u, err := a.cfg.Store.UserByName(r.Context(), p.Name)
	if err != nil {
		a.internal(w, r, "look up user", err)
		return
	}
	if len(req.OldPassword) > auth.MaxPasswordLen {
		auth.DummyCheck(req.OldPassword)
		refuse(http.StatusForbidden, codeWrongPassword, "oversized password", "your current password is not right")
		return
	}
	if !auth.CheckPassword(u.PasswordHash, req.OldPassword) {
		refuse(http.StatusForbidden, codeWrongPassword, "wrong password", "your current password is not right")
		return
	}
	hash, err := auth.HashPassword(req.NewPassword)
	if err != nil {
		a.internal(w, r, "hash password", err)
		return
	}
	u.PasswordHash = hash
	if err := a.cfg.Store.UpdateUser(r.Context(), u); err != nil {
		a.internal(w, r, "update password", err)
		return
	}
	a.cfg.LoginLimiter.Reset(pair)
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionPasswordChange, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"result": "changed", "other_sign_ins": "ended"}})
	resp := map[string]any{"changed": true}
	for k, v := range a.reissue(w, r, p.Name) {
		resp[k] = v
	}
	writeJSON(w, http.StatusOK, resp)
	a.afterReissue(w, r, p.Name)
}
