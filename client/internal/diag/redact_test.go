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
		{"bypass=1 compass: north", "bypass=1 compass: north"},
		{"error in session: connection reset by peer", "error in session: connection reset by peer"},
		{"mkdir -p /var/lib/x", "mkdir -p /var/lib/x"},
		{"mysql -P3306 -h db", "mysql -P3306 -h db"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// TestRedactGaps holds the shapes issue 11 found leaking: each case failed
// before they were added.
func TestRedactGaps(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"pgp key block", "-----BEGIN PGP PRIVATE KEY BLOCK-----lQOYBF0xyz -----END PGP PRIVATE KEY BLOCK----- tail",
			"-----BEGIN PGP PRIVATE KEY BLOCK-----[REDACTED] tail"},
		{"pgp key block, no end", "-----BEGIN PGP PRIVATE KEY BLOCK----- lQOYBF0xyz", "-----BEGIN PGP PRIVATE KEY BLOCK-----[REDACTED]"},
		{"DB_PASS=", "DB_PASS=hunter2 ok", "DB_PASS=[REDACTED] ok"},
		{"SMTP_PASS:", "SMTP_PASS: hunter2", "SMTP_PASS: [REDACTED]"},
		{"pass=", "login pass=hunter2", "login pass=[REDACTED]"},
		{"-pSECRET", "mysql -uroot -pSECRET db", "mysql -uroot -p[REDACTED] db"},
		{"-pSECRET first", "-pSECRET", "-p[REDACTED]"},
		{"--password x", "app --password hunter2 --verbose", "app --password [REDACTED] --verbose"},
		{"--db-pass x", "app --db-pass hunter2", "app --db-pass [REDACTED]"},
		{"-token x", "tool -token abc123", "tool -token [REDACTED]"},
		{"Ocp-Apim-Subscription-Key", "Ocp-Apim-Subscription-Key: abcd1234", "Ocp-Apim-Subscription-Key: [REDACTED]"},
		{"X-Auth", "X-Auth: abcd1234", "X-Auth: [REDACTED]"},
		{"X-Session", "X-Session: abcd1234", "X-Session: [REDACTED]"},
		{"X-Api-Key with spaces", "X-Api-Key: abc def ghi", "X-Api-Key: [REDACTED]"},
		{"X-Custom-Signature", "x-custom-signature: t=1,v1=abc", "x-custom-signature: [REDACTED]"},
		{"X-Auth-Token bearer", "X-Auth-Token: Bearer abc", "X-Auth-Token: [REDACTED]"},
		{"token%3D", "GET /cb?next=%2Fhome%3Ftoken%3Dabc123%26x%3D1", "GET /cb?next=%2Fhome%3Ftoken%3D[REDACTED]%26x%3D1"},
		{"password%3D", "r=%2Flogin%3Fuser%3Dbob%26password%3Dhunter%252B2", "r=%2Flogin%3Fuser%3Dbob%26password%3D[REDACTED]"},
		{"double quoted with spaces", `password="my secret pass" user=bob`, `password="[REDACTED]" user=bob`},
		{"single quoted with spaces", `secret='a b c' user=bob`, `secret='[REDACTED]' user=bob`},
		{"json with spaces", `{"password": "my secret pass", "user": "bob"}`, `{"password": "[REDACTED]", "user": "bob"}`},
		{"json escaped quote", `{"token": "a \"b\" c"}`, `{"token": "[REDACTED]"}`},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("%s: Redact(%q)\n got %q\nwant %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestPGPKeyBlockAcrossLines(t *testing.T) {
	lines := []string{"importing", "-----BEGIN PGP PRIVATE KEY BLOCK-----", "", "lQOYBF0secretsecret", "=abcd", "-----END PGP PRIVATE KEY BLOCK-----", "done"}
	var kb keyBlock
	var got []string
	for _, l := range lines {
		got = append(got, kb.line(l))
	}
	joined := strings.Join(got, "\n")
	if strings.Contains(joined, "lQOYBF0") || strings.Contains(joined, "=abcd") || !strings.Contains(joined, "done") {
		t.Errorf("PGP key block redaction:\n%s", joined)
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
