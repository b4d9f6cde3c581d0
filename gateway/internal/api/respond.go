package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// errorJSON is every error answer: the words for people, the stable code
// for programs (see codes.go), and the few details a client acts on.
type errorJSON struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	// AssignedTo names the ticket's assignee with not_assigned ("" when nobody).
	AssignedTo *string `json:"assigned_to,omitempty"`
	// OTPRequired is the older flag beside otp_required.
	OTPRequired bool `json:"otp_required,omitempty"`
	// MFAEnrollmentRequired is the older flag beside mfa_enrollment_required.
	MFAEnrollmentRequired bool `json:"mfa_enrollment_required,omitempty"`
}

// writeError answers {"error": msg, "code": ...} with the generic code of
// status. msg is for people and holds no internal detail.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeErrorCode(w, status, statusCode(status), msg)
}

// writeErrorCode answers {"error": msg, "code": code}; code is one of the
// constants in codes.go.
func writeErrorCode(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorJSON{Error: msg, Code: code})
}

// errBadInput marks decode failures that are the caller's fault.
type inputError struct {
	status int
	msg    string
}

func (e *inputError) Error() string { return e.msg }

// decodeJSON reads a bounded JSON body into v, refusing unknown fields,
// trailing data and non-JSON content types.
func (a *API) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return &inputError{http.StatusUnsupportedMediaType, "request body must be application/json"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return &inputError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", a.cfg.MaxBody)}
		case errors.As(err, &se):
			return &inputError{http.StatusBadRequest, fmt.Sprintf("request body is not valid JSON (at byte %d)", se.Offset)}
		case errors.As(err, &te):
			return &inputError{http.StatusBadRequest, fmt.Sprintf("field %q must be %s", te.Field, te.Type)}
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return &inputError{http.StatusBadRequest, "request body has an " + strings.TrimPrefix(err.Error(), "json: ")}
		default:
			return &inputError{http.StatusBadRequest, "request body is not valid JSON"}
		}
	}
	if dec.More() {
		return &inputError{http.StatusBadRequest, "request body has data after the JSON object"}
	}
	return nil
}

// failInput writes the error of decodeJSON (or a validation error) and is
// used as `if err := ...; err != nil { failInput(w, err); return }`.
func failInput(w http.ResponseWriter, err error) {
	var ie *inputError
	if errors.As(err, &ie) {
		writeError(w, ie.status, ie.msg)
		return
	}
	writeError(w, http.StatusBadRequest, err.Error())
}

// internal logs err and answers 500 without detail.
func (a *API) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	a.cfg.Log.Error(what, "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error: "+what)
}

func pathInt(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, &inputError{http.StatusBadRequest, fmt.Sprintf("%s must be a positive integer", name)}
	}
	return v, nil
}

// validID accepts the opaque IDs the store generates (s_…, r_…, d_…).
func validID(s string) bool {
	if len(s) < 3 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
