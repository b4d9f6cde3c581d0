package api

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// UserNameRE is what a user name may look like.
var UserNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := a.cfg.Store.ListUsers(r.Context())
	if err != nil {
		a.internal(w, r, "list users", err)
		return
	}
	out := make([]userJSON, 0, len(us))
	for i := range us {
		out = append(out, toUserJSON(&us[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name        string `json:"name"`
		DisplayName string `json:"display_name"`
		Role        string `json:"role"`
		Password    string `json:"password"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	name := strings.ToLower(strings.TrimSpace(req.Name))
	if !UserNameRE.MatchString(name) {
		writeError(w, http.StatusBadRequest, "name must be 1-64 lowercase letters, digits, '.', '_', '@' or '-'")
		return
	}
	if audit.Reserved(name) {
		writeError(w, http.StatusBadRequest, "name "+name+" is reserved for the gateway's own audit entries; reserved: "+strings.Join(audit.ReservedNames(), ", "))
		return
	}
	role := store.Role(req.Role)
	if !role.Valid() {
		writeError(w, http.StatusBadRequest, "role must be admin, technician or auditor")
		return
	}
	if err := auth.ValidatePassword(req.Password); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(req.DisplayName) > 100 {
		writeError(w, http.StatusBadRequest, "display_name is longer than 100 characters")
		return
	}
	hash, err := auth.HashPassword(req.Password)
	if err != nil {
		a.internal(w, r, "hash password", err)
		return
	}
	u := &store.User{Name: name, DisplayName: strings.TrimSpace(req.DisplayName), Role: role, PasswordHash: hash}
	if err := a.cfg.Store.CreateUser(r.Context(), u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			writeError(w, http.StatusConflict, "a user with that name already exists")
			return
		}
		a.internal(w, r, "create user", err)
		return
	}
	a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionUserCreate, RemoteAddr: r.RemoteAddr, Details: map[string]any{"user": name, "role": role}})
	writeJSON(w, http.StatusCreated, toUserJSON(u))
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !UserNameRE.MatchString(name) {
		writeError(w, http.StatusNotFound, "no such user")
		return
	}
	u, err := a.cfg.Store.UserByName(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such user")
		return
	}
	if err != nil {
		a.internal(w, r, "load user", err)
		return
	}
	var req struct {
		Role        *string `json:"role"`
		Disabled    *bool   `json:"disabled"`
		Password    *string `json:"password"`
		DisplayName *string `json:"display_name"`
		// MFAReset turns the user's MFA off (lost device); they enroll again.
		MFAReset bool `json:"mfa_reset"`
	}
	if err := a.decodeJSON(w, r, &req); err != nil {
		failInput(w, err)
		return
	}
	// Validate the whole request before anything takes effect.
	changes := map[string]any{"user": name}
	self := name == who(r).Name
	if req.Role != nil {
		if !store.Role(*req.Role).Valid() {
			writeError(w, http.StatusBadRequest, "role must be admin, technician or auditor")
			return
		}
		if self && store.Role(*req.Role) != store.RoleAdmin {
			writeError(w, http.StatusConflict, "you cannot take the admin role from yourself")
			return
		}
	}
	if req.Disabled != nil && self && *req.Disabled {
		writeError(w, http.StatusConflict, "you cannot disable yourself")
		return
	}
	if req.DisplayName != nil && len(*req.DisplayName) > 100 {
		writeError(w, http.StatusBadRequest, "display_name is longer than 100 characters")
		return
	}
	if req.Password != nil {
		if err := auth.ValidatePassword(*req.Password); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if req.Role != nil {
		u.Role = store.Role(*req.Role)
		changes["role"] = u.Role
	}
	if req.Disabled != nil {
		u.Disabled = *req.Disabled
		changes["disabled"] = u.Disabled
	}
	if req.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(*req.DisplayName)
		changes["display_name"] = u.DisplayName
	}
	if req.Password != nil {
		hash, err := auth.HashPassword(*req.Password)
		if err != nil {
			a.internal(w, r, "hash password", err)
			return
		}
		u.PasswordHash = hash
		changes["password"] = "reset"
	}
	if err := a.cfg.Store.UpdateUser(r.Context(), u); err != nil {
		a.internal(w, r, "update user", err)
		return
	}
	if req.MFAReset {
		if err := a.sec().DisableTOTP(r.Context(), name); err != nil {
			changes["mfa"] = "reset failed"
			a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionUserUpdate, RemoteAddr: r.RemoteAddr, Details: changes})
			a.userChanged(r, name)
			a.internal(w, r, "reset MFA", err)
			return
		}
		u.TOTPSecret = ""
		changes["mfa"] = "reset"
	}
	// Every earlier token of the user has ended if anything but the display
	// name changed (the store bumped the token version): end what the user
	// holds open now, and keep an admin who changed themselves signed in here.
	a.record(r, audit.Event{Actor: who(r).Name, Action: audit.ActionUserUpdate, RemoteAddr: r.RemoteAddr, Details: changes})
	if !self {
		a.userChanged(r, name) // before the answer: the admin sees the effect done
		writeJSON(w, http.StatusOK, toUserJSON(u))
		return
	}
	a.reissue(w, r, name)
	writeJSON(w, http.StatusOK, toUserJSON(u))
	a.afterReissue(w, r, name)
}
