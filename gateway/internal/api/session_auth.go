package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// userJSON is the public form of a user.
type userJSON struct {
	Name        string     `json:"name"`
	DisplayName string     `json:"display_name"`
	Role        store.Role `json:"role"`
	Disabled    bool       `json:"disabled"`
	MFA         bool       `json:"mfa"`
	CreatedAt   time.Time  `json:"created_at"`
}

func toUserJSON(u *store.User) userJSON {
	return userJSON{Name: u.Name, DisplayName: u.DisplayName, Role: u.Role, Disabled: u.Disabled, MFA: u.TOTPSecret != "", CreatedAt: u.CreatedAt}
}

const badLogin = "invalid username or password"

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" && !a.sameOrigin(o, r) {
		writeError(w, http.StatusForbidden, "cross-origin request refused")
		return
	}
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
		OTP      string `json:"otp"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	name := strings.ToLower(strings.TrimSpace(req.Username))
	// actor is the name as the audit log and the limiter keep it: bounded,
	// so a 900 KB name costs neither a 900 KB row nor a 900 KB map key.
	actor := audit.BoundActor(name)
	pair, ok := a.throttleLogin(w, r, actor)
	if !ok {
		return
	}
	fail := func(reason string) {
		a.record(r, audit.Event{Actor: actor, Action: audit.ActionLoginFail, RemoteAddr: r.RemoteAddr, Details: map[string]any{"reason": reason}})
		writeErrorCode(w, http.StatusUnauthorized, codeInvalidCredentials, badLogin)
	}
	if len(name) > 64 || len(req.Password) > 1024 {
		auth.DummyCheck(req.Password)
		fail("oversized credentials")
		return
	}
	u, err := a.cfg.Store.UserByName(r.Context(), name)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			a.internal(w, r, "look up user", err)
			return
		}
		auth.DummyCheck(req.Password)
		fail("unknown user")
		return
	}
	if !auth.CheckPassword(u.PasswordHash, req.Password) {
		fail("wrong password")
		return
	}
	if u.Disabled {
		fail("account disabled")
		return
	}
	if u.TOTPSecret != "" {
		if req.OTP == "" {
			a.record(r, audit.Event{Actor: actor, Action: audit.ActionLoginFail, RemoteAddr: r.RemoteAddr, Details: map[string]any{"reason": "one-time code required"}})
			writeJSON(w, http.StatusUnauthorized, errorJSON{Error: "one-time code required", Code: codeOTPRequired, OTPRequired: true})
			return
		}
		// The password was right, so saying what is wrong with the code
		// tells nothing about whether the name exists (docs/security.md).
		ok, code, why, err := a.secondFactor(r.Context(), u.Name, req.OTP)
		if err != nil {
			a.internal(w, r, "check one-time code", err)
			return
		}
		if !ok {
			a.record(r, audit.Event{Actor: actor, Action: audit.ActionLoginFail, RemoteAddr: r.RemoteAddr, Details: map[string]any{"reason": why}})
			writeJSON(w, http.StatusUnauthorized, errorJSON{Error: why, Code: code, OTPRequired: true})
			return
		}
	}
	tok, exp, err := a.setSessionCookie(w, u)
	if err != nil {
		a.internal(w, r, "issue token", err)
		return
	}
	a.cfg.LoginLimiter.Reset(pair)
	a.cfg.LoginLimiter.Vouch(pair)
	a.record(r, audit.Event{Actor: u.Name, Action: audit.ActionLoginOK, RemoteAddr: r.RemoteAddr})
	resp := map[string]any{"token": tok, "expires_at": exp, "user": toUserJSON(u)}
	if u.TOTPSecret == "" && a.cfg.RequireMFA[string(u.Role)] {
		resp["mfa_enrollment_required"] = true
	}
	writeJSON(w, http.StatusOK, resp)
}

// logout signs the user out everywhere: every token issued to them so far
// ends (the token version is bumped), and with it every shell, screen view
// and event stream they hold open.
func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	name := who(r).Name
	if _, err := a.cfg.Store.BumpTokenVersion(r.Context(), name); err != nil {
		a.internal(w, r, "sign out", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	a.record(r, audit.Event{Actor: name, Action: audit.ActionLogout, RemoteAddr: r.RemoteAddr})
	a.userChanged(r, name)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	u, err := a.cfg.Store.UserByName(r.Context(), who(r).Name)
	if err != nil {
		a.internal(w, r, "look up user", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		userJSON
		MFAEnrollmentRequired bool `json:"mfa_enrollment_required"`
	}{toUserJSON(u), a.mfaRequired(who(r))})
}

// record writes an audit event; a failure is logged (the action already
// happened). The request's context is not used for cancellation: a caller
// that hangs up after the action took effect must not erase its entry.
func (a *API) record(r *http.Request, e audit.Event) {
	if err := a.cfg.Audit.Record(context.WithoutCancel(r.Context()), e); err != nil {
		a.cfg.Log.Error("audit record failed", "action", e.Action, "err", err)
	}
}
