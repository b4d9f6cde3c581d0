package wire

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseCloseNotice(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    CloseNotice
		wantErr bool
	}{
		"revoked":       {in: `{"code":"user_revoked","reason":"the user revoked shell"}`, want: CloseNotice{Code: "user_revoked", Reason: "the user revoked shell"}},
		"restart":       {in: `{"code":"gateway_restart"}`, want: CloseNotice{Code: "gateway_restart"}},
		"bad code":      {in: `{"code":"User Revoked!","reason":"x"}`, want: CloseNotice{Code: "unknown", Reason: "x"}},
		"long code":     {in: `{"code":"` + strings.Repeat("a", MaxCloseCode+1) + `"}`, want: CloseNotice{Code: "unknown"}},
		"no code":       {in: `{}`, want: CloseNotice{Code: "unknown"}},
		"control chars": {in: `{"code":"technician_ended","reason":" bye\u001b[31m\u202e"}`, want: CloseNotice{Code: "technician_ended", Reason: "bye[31m"}},
		"empty":         {in: ``, wantErr: true},
		"not json":      {in: `user_revoked`, wantErr: true},
		"wrong type":    {in: `{"code":1}`, wantErr: true},
		"too large":     {in: `{"code":"x","reason":"` + strings.Repeat("a", MaxCloseNotice) + `"}`, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseCloseNotice([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseCloseNotice error = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ParseCloseNotice = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// FuzzParseCloseNotice: any input either fails or yields a valid code and
// a clean, bounded reason that survive a round trip.
func FuzzParseCloseNotice(f *testing.F) {
	for _, s := range []string{
		`{"code":"user_revoked","reason":"the user revoked shell"}`, `{"code":"gateway_restart"}`, `{}`, ``, `null`,
		`{"code":"\u001b]0;x\u0007","reason":"\u001b[2J"}`, `{"reason":"` + strings.Repeat("é", 300) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseCloseNotice(b)
		if err != nil {
			return
		}
		if !closeCode(n.Code) && n.Code != "unknown" {
			t.Fatalf("code %q passed", n.Code)
		}
		if utf8.RuneCountInString(n.Reason) > MaxEndReason || !cleanText(n.Reason, MaxEndReason) {
			t.Fatalf("reason %q not clean", n.Reason)
		}
		again, err := ParseCloseNotice(n.Marshal())
		if err != nil || again != n {
			t.Fatalf("round trip: %+v -> %+v, %v", n, again, err)
		}
	})
}
