package diag

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"user=bob password=hunter2 ok", "user=bob password=[REDACTED] ok"},
		{"DB_PASSWORD: s3cret!", "DB_PASSWORD: [REDACTED]"},
		{`{"password": "hunter2", "user": "bob"}`, `{"password": "[REDACTED]", "user": "bob"}`},
		{"token=abc123&next=/home", "token=[REDACTED]&next=/home"},
		{"api_key=XYZ789 apikey:QQQ api-key = zzz", "api_key=[REDACTED] apikey:[REDACTED] api-key = [REDACTED]"},
		{"client_secret=shh", "client_secret=[REDACTED]"},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature1", "Authorization: Bearer [REDACTED]"},
		{"authorization: Basic dXNlcjpwYXNz", "authorization: Basic [REDACTED]"},
		{"curl -H 'bearer abcdefghijkl'", "curl -H 'bearer [REDACTED]'"},
		{"key AKIAIOSFODNN7EXAMPLE used", "key [REDACTED] used"},
		{"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk in cookie", "jwt [REDACTED] in cookie"},
		{"dial postgres://app:pa55w0rd@db:5432/x", "dial postgres://app:[REDACTED]@db:5432/x"},
		{"-----BEGIN RSA PRIVATE KEY-----MIIEow...-----END RSA PRIVATE KEY----- tail", "-----BEGIN RSA PRIVATE KEY-----[REDACTED] tail"},
		{"-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXk", "-----BEGIN OPENSSH PRIVATE KEY-----[REDACTED]"},
		{"gh token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "gh token [REDACTED]"},
		{"nothing to hide: error connecting to 10.0.0.1:5432", "nothing to hide: error connecting to 10.0.0.1:5432"},
		{"bypass cache, passes=3", "bypass cache, passes=3"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestKeyBlockAcrossLines(t *testing.T) {
	lines := []string{"loading key", "-----BEGIN PRIVATE KEY-----", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "-----END PRIVATE KEY-----", "done password=x"}
	var kb keyBlock
	var got []string
	for _, l := range lines {
		got = append(got, kb.line(l))
	}
	joined := strings.Join(got, "\n")
	if strings.Contains(joined, "MIIEvQ") || !strings.Contains(joined, "done password=[REDACTED]") || !strings.Contains(joined, "loading key") {
		t.Errorf("key block redaction:\n%s", joined)
	}
}

func FuzzLogLine(f *testing.F) {
	f.Add("2024-05-01T10:00:00Z ERROR password=x token: y")
	f.Add("Jan  2 15:04:05 host app[1]: warning Authorization: Bearer abcdefghijk")
	f.Add("[2024-05-01 10:00:00,123] INFO -----BEGIN EC PRIVATE KEY-----")
	f.Fuzz(func(t *testing.T, line string) {
		_ = lineLevel(line)
		_, _ = lineTime(line, fixedNow)
		out := Redact(line)
		if strings.Contains(line, "password=hunter2") && strings.Contains(out, "hunter2") {
			t.Fatalf("password left in %q", out)
		}
	})
}
