package api

import "net/http"

// Error codes. Every error answer is {"error": "...", "code": "..."}: the
// error is for people and may be reworded; the code is stable and is what
// the web UI and scripts switch on. docs/api.md lists them; add a code there
// when you add one here, and never rename one.
//
// A code names what went wrong, not the HTTP status: several codes share a
// status (403: forbidden, not_assigned, scope_not_granted, ...). writeError
// gives each status its generic code; writeErrorCode names a specific one.
const (
	// Generic codes, one per status (see statusCode).
	codeInvalidInput     = "invalid_input"          // 400
	codeUnauthorized     = "unauthorized"           // 401: not signed in, or the token is no longer valid
	codeForbidden        = "forbidden"              // 403: the role, the origin or the rules do not allow it
	codeNotFound         = "not_found"              // 404
	codeConflict         = "conflict"               // 409: the state of the thing does not allow it now
	codeTooLarge         = "too_large"              // 413
	codeUnsupportedMedia = "unsupported_media_type" // 415
	codeRateLimited      = "rate_limited"           // 429: see Retry-After
	codeInternal         = "internal"               // 500
	codeClientFailed     = "client_failed"          // 502: the user's client did not do it
	codeUnavailable      = "unavailable"            // 503
	codeUnknown          = "unknown"                // any other status

	// Specific codes.
	codeInvalidCredentials    = "invalid_credentials"     // 401 login: wrong name, password or code
	codeOTPRequired           = "otp_required"            // 401 login: the account needs a one-time code (also "otp_required": true)
	codeMFAEnrollmentRequired = "mfa_enrollment_required" // 403: the role requires MFA; enroll first (also "mfa_enrollment_required": true)
	codeMFARequired           = "mfa_required"            // 409: the role requires MFA, so it cannot be turned off
	codeNotAssigned           = "not_assigned"            // 403: the ticket is someone else's or nobody's (with "assigned_to")
	codeScopeNotGranted       = "scope_not_granted"       // 403: the user did not grant the scope, or revoked it
	codeClientRefused         = "client_refused"          // 403: the client refused for another reason
	codeFileRefused           = "file_refused"            // 403: the user refused a file transfer
	codeSessionNotConnected   = "session_not_connected"   // 409: the session has no live client now
	codeRecordingFailed       = "recording_failed"        // 503: the recording could not be started, so nothing was opened
	codeAskRefused            = "ask_refused"             // 409: the client cannot ask its user (older client, nobody to ask)
	codeAlreadyRated          = "already_rated"           // 409: the session has a rating already
	codeOTPInvalid            = "otp_invalid"             // 401 login (password right): the one-time code is wrong (also "otp_required": true)
	codeOTPReused             = "otp_reused"              // 401 login (password right): the code was already used; wait for the next one
	codeWrongPassword         = "wrong_password"          // 403 POST /me/password: the current password is not right
	codeResolutionRequired    = "resolution_required"     // 400: resolving a ticket needs a resolution note
)

// statusCode is the generic code of an HTTP status.
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return codeInvalidInput
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusConflict:
		return codeConflict
	case http.StatusRequestEntityTooLarge:
		return codeTooLarge
	case http.StatusUnsupportedMediaType:
		return codeUnsupportedMedia
	case http.StatusTooManyRequests:
		return codeRateLimited
	case http.StatusInternalServerError:
		return codeInternal
	case http.StatusBadGateway:
		return codeClientFailed
	case http.StatusServiceUnavailable:
		return codeUnavailable
	}
	return codeUnknown
}
