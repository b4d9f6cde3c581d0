package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriteErrorCodes(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{400, codeInvalidInput}, {401, codeUnauthorized}, {403, codeForbidden}, {404, codeNotFound},
		{409, codeConflict}, {413, codeTooLarge}, {415, codeUnsupportedMedia}, {429, codeRateLimited},
		{500, codeInternal}, {502, codeClientFailed}, {503, codeUnavailable}, {418, codeUnknown},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		writeError(rec, tc.status, "words for people")
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("status %d: body %q: %v", tc.status, rec.Body, err)
		}
		if rec.Code != tc.status || body["error"] != "words for people" || body["code"] != tc.want || len(body) != 2 {
			t.Errorf("writeError(%d) = %d %s, want %d {error, code: %q}", tc.status, rec.Code, rec.Body, tc.status, tc.want)
		}
	}
}

func TestErrorJSONExtras(t *testing.T) {
	bob, nobody := "bob", ""
	tests := []struct {
		name string
		in   errorJSON
		want string
	}{
		{"plain", errorJSON{Error: "x", Code: codeConflict}, `{"error":"x","code":"conflict"}`},
		{"assignee", errorJSON{Error: "x", Code: codeNotAssigned, AssignedTo: &bob}, `{"error":"x","code":"not_assigned","assigned_to":"bob"}`},
		{"nobody", errorJSON{Error: "x", Code: codeNotAssigned, AssignedTo: &nobody}, `{"error":"x","code":"not_assigned","assigned_to":""}`},
		{"otp", errorJSON{Error: "x", Code: codeOTPRequired, OTPRequired: true}, `{"error":"x","code":"otp_required","otp_required":true}`},
		{"mfa", errorJSON{Error: "x", Code: codeMFAEnrollmentRequired, MFAEnrollmentRequired: true}, `{"error":"x","code":"mfa_enrollment_required","mfa_enrollment_required":true}`},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		writeJSON(rec, http.StatusForbidden, tc.in)
		if got := rec.Body.String(); got != tc.want+"\n" {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestFailInputCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&inputError{http.StatusRequestEntityTooLarge, "too big"}, codeTooLarge},
		{&inputError{http.StatusUnsupportedMediaType, "not json"}, codeUnsupportedMedia},
		{&inputError{http.StatusBadRequest, "bad"}, codeInvalidInput},
	} {
		rec := httptest.NewRecorder()
		failInput(rec, tc.err)
		var body struct{ Code string }
		json.Unmarshal(rec.Body.Bytes(), &body)
		if body.Code != tc.want {
			t.Errorf("failInput(%v): code %q, want %q", tc.err, body.Code, tc.want)
		}
	}
}
