package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// RecoveryCodeCount is how many recovery codes a user gets when MFA is turned on.
const RecoveryCodeCount = 10

// mfaEnroll starts enrollment: a new secret is kept pending until the user
// proves it with a code (mfaConfirm). The UI draws otpauth_url as a QR code.
func (a *API) mfaEnroll(w http.ResponseWriter, r *http.Request) {
	p := who(r)
	if p.MFA {
		writeError(w, http.StatusConflict, "MFA is already on; turn it off first to enroll a new device")
		return
	}
	secret, u, err := auth.NewTOTP(a.cfg.MFAIssuer, p.Name)
	if err != nil {
		a.internal(w, r, "new TOTP secret", err)
		return
	}
	if err := a.sec().SetPendingTOTP(r.Context(), p.Name, secret); err != nil {
		a.internal(w, r, "store TOTP secret", err)
		return
	}
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionMFAEnroll, RemoteAddr: r.RemoteAddr})
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret, "otpauth_url": u})
}

// mfaConfirm turns MFA on once the user shows a code of the pending secret,
// and returns the recovery codes (shown once, stored hashed).
func (a *API) mfaConfirm(w http.ResponseWriter, r *http.Request) {
	p := who(r)
	var req struct {
		OTP string `json:"otp"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	m, err := a.sec().UserMFA(r.Context(), p.Name)
	if err != nil {
		a.internal(w, r, "load MFA", err)
		return
	}
	if m.Secret != "" {
		writeError(w, http.StatusConflict, "MFA is already on")
		return
	}
	if m.Pending == "" {
		writeError(w, http.StatusConflict, "start with POST /api/v1/me/mfa/enroll")
		return
	}
	step, ok := auth.MatchTOTP(m.Pending, req.OTP, a.cfg.Clock())
	if !ok {
		writeError(w, http.StatusBadRequest, "wrong one-time code; check the device's clock and try the next code")
		return
	}
	plain, hashes := auth.NewRecoveryCodes(RecoveryCodeCount)
	if err := a.sec().EnableTOTP(r.Context(), p.Name, m.Pending, step, hashes); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusConflict, "enrollment was restarted meanwhile; use the newest QR code")
			return
		}
		a.internal(w, r, "enable MFA", err)
		return
	}
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionMFAEnable, RemoteAddr: r.RemoteAddr, Details: map[string]any{"recovery_codes": len(plain)}})
	// Turning MFA on ended every earlier sign-in (token version bumped):
	// those elsewhere end now; this browser gets a fresh token.
	resp := map[string]any{"mfa": true, "recovery_codes": plain}
	for k, v := range a.reissue(w, r, p.Name) {
		resp[k] = v
	}
	writeJSON(w, http.StatusOK, resp)
	a.afterReissue(w, r, p.Name)
}

// mfaDisable turns MFA off after a valid code (TOTP or recovery), unless
// the user's role requires it.
func (a *API) mfaDisable(w http.ResponseWriter, r *http.Request) {
	p := who(r)
	var req struct {
		OTP string `json:"otp"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	if !p.MFA {
		writeError(w, http.StatusConflict, "MFA is not on")
		return
	}
	if a.cfg.RequireMFA[string(p.Role)] {
		writeErrorCode(w, http.StatusConflict, codeMFARequired, "your role ("+string(p.Role)+") requires MFA; it cannot be turned off")
		return
	}
	ok, code, why, err := a.secondFactor(r.Context(), p.Name, req.OTP)
	if err != nil {
		a.internal(w, r, "check one-time code", err)
		return
	}
	if !ok {
		writeErrorCode(w, http.StatusForbidden, code, why)
		return
	}
	if err := a.sec().DisableTOTP(r.Context(), p.Name); err != nil {
		a.internal(w, r, "disable MFA", err)
		return
	}
	a.record(r, audit.Event{Actor: p.Name, Action: audit.ActionMFADisable, RemoteAddr: r.RemoteAddr})
	a.reissue(w, r, p.Name)
	w.WriteHeader(http.StatusNoContent)
	a.afterReissue(w, r, p.Name)
}

// secondFactor checks code against the user's active TOTP secret, refusing
// a time step already used, or else spends it as a recovery code. why says
// what was wrong, for the user; errCode is its stable code (codeOTPReused
// for a code already used, codeOTPInvalid otherwise).
func (a *API) secondFactor(ctx context.Context, name, code string) (ok bool, errCode, why string, err error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 64 {
		return false, codeOTPInvalid, "one-time code required", nil
	}
	m, err := a.sec().UserMFA(ctx, name)
	if err != nil {
		return false, "", "", err
	}
	if m.Secret == "" {
		return false, codeOTPInvalid, "MFA is not on", nil
	}
	if step, ok := auth.MatchTOTP(m.Secret, code, a.cfg.Clock()); ok {
		fresh, err := a.sec().UseTOTPStep(ctx, name, step)
		if err != nil {
			return false, "", "", err
		}
		if !fresh {
			return false, codeOTPReused, "this code was already used; wait for the next one", nil
		}
		return true, "", "", nil
	}
	hashes, err := a.sec().RecoveryHashes(ctx, name)
	if err != nil {
		return false, "", "", err
	}
	if i, ok := auth.CheckRecoveryCode(code, hashes); ok {
		spent, err := a.sec().UseRecoveryCode(ctx, name, hashes[i])
		if err != nil {
			return false, "", "", err
		}
		if spent {
			if err := a.cfg.Audit.Record(ctx, audit.Event{Actor: name, Action: audit.ActionMFARecoveryUsed,
				Details: map[string]any{"left": len(hashes) - 1}}); err != nil {
				a.cfg.Log.Error("audit recovery code", "err", err)
			}
			return true, "", "", nil
		}
	}
	return false, codeOTPInvalid, "wrong code", nil
}

// mfaState is GET /api/v1/me/mfa: whether MFA is on, whether an enrollment
// is pending, and how many unused recovery codes are left.
func (a *API) mfaState(w http.ResponseWriter, r *http.Request) {
	p := who(r)
	m, err := a.sec().UserMFA(r.Context(), p.Name)
	if err != nil {
		a.internal(w, r, "load MFA", err)
		return
	}
	left := 0
	if m.Secret != "" {
		left = m.RecoveryLeft
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"enabled":             m.Secret != "",
		"pending":             m.Secret == "" && m.Pending != "",
		"recovery_codes_left": left,
		"required":            a.cfg.RequireMFA[string(p.Role)],
	})
}
