package diag

import (
	"regexp"
	"strings"
)

// Redacted replaces every secret Redact finds.
const Redacted = "[REDACTED]"

// redactor is one secret shape. hints are lower-case substrings of which
// at least one must appear in the lower-cased line before the (much slower)
// regular expression runs. The expression keeps its first group (the key or
// prefix) and its optional second group, and replaces the rest of the match.
type redactor struct {
	hints []string
	re    *regexp.Regexp
}

// secretKeys are the key names whose values are secrets, as a regular
// expression fragment. The bare "pass" only counts as a word of its own
// (DB_PASS, SMTP_PASS, pass=) so that "passes=3" and "bypass=1" stay.
const secretKeys = `(?:password|passwd|pwd|passphrase|secret|client_secret|token|access_token|refresh_token|auth_token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|session[_-]?id|cookie|credentials?|\bpass|_pass)`

var redactors = []redactor{
	// A private key block, whole or from its header to the end of the text
	// (PEM "PRIVATE KEY" and PGP "PRIVATE KEY BLOCK").
	{[]string{"private key"}, regexp.MustCompile(`(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)(?s:.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$))`)},
	// Authorization headers: Bearer, Basic, Token and friends.
	{[]string{"authorization"}, regexp.MustCompile(`(?i)(authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|digest|negotiate)?\s*)[^\s"',;]+`)},
	{[]string{"bearer"}, regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}`)},
	// key="quoted value with spaces" and key='...' (also JSON "key": "value").
	{[]string{"pass", "pwd", "secret", "token", "key", "cookie", "credential", "session"},
		regexp.MustCompile(`(?i)(` + secretKeys + `["']?\s*(?:=|:)\s*")(?:[^"\\\n]|\\.)*(")`)},
	{[]string{"pass", "pwd", "secret", "token", "key", "cookie", "credential", "session"},
		regexp.MustCompile(`(?i)(` + secretKeys + `["']?\s*(?:=|:)\s*')[^'\n]*(')`)},
	// key=value, key: value for secret-looking keys (DB_PASS=, SMTP_PASS: too).
	{[]string{"pass", "pwd", "secret", "token", "key", "cookie", "credential", "session"},
		regexp.MustCompile(`(?i)(` + secretKeys + `["']?\s*(?:=|:)\s*)[^\s"'&,;]+`)},
	// Custom auth headers: any header name with a key, token, auth, secret,
	// session, signature or password word (X-Api-Key, X-Auth-Token, X-Auth,
	// Ocp-Apim-Subscription-Key, X-Amz-Security-Token, ...). The value runs to
	// the end of the line or a quote.
	{[]string{"key", "token", "auth", "secret", "session", "signature", "pass"},
		regexp.MustCompile(`(?i)(\b(?:[a-z0-9]+-)+(?:key|token|auth|secret|session|signature|password|passwd|credentials?|apikey)\s*:[ \t]*(?:(?:bearer|basic|token)[ \t]+)?)[^\s"'][^"'\r\n]*`)},
	// URL-encoded key=value inside another URL: token%3Dabc%26next... The
	// value ends at an encoded "&" (%26), a real "&", a quote or a space.
	{[]string{"%3d", "%3a"},
		regexp.MustCompile(`(?i)(` + secretKeys + `(?:%3D|%3A|%253D))(?:[^&\s"'%]|%(?:[013-9a-f][0-9a-f]|2[0-57-9a-f]))+`)},
	// Command-line flags: --password x, --db-pass x, -pSECRET (mysql).
	{[]string{"pass", "pwd", "secret", "token", "key"},
		regexp.MustCompile(`(?i)((?:^|\s)--?(?:[a-z0-9]+[-_])*(?:password|passwd|pass|pwd|passphrase|secret|token|api[-_]?key)[ \t]+)[^\s-]\S*`)},
	{[]string{"-p"}, regexp.MustCompile(`((?:^|\s)-p)[^\s-]\S*`)},
	// Credentials in URLs: scheme://user:password@host.
	{[]string{"://"}, regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)[^\s@/]+(@)`)},
	// AWS access key ids.
	{[]string{"akia", "asia", "agpa", "aida", "aroa"}, regexp.MustCompile(`()\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b`)},
	// JWT-like tokens: three base64url parts, the first a JSON header.
	{[]string{"eyj"}, regexp.MustCompile(`()\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}`)},
	// Well-known token formats: GitHub, Slack, OpenAI/Stripe style, Google API keys.
	{[]string{"gh", "xox", "sk-", "sk_live_", "aiza"}, regexp.MustCompile(`()\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}|sk_live_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35})`)},
}

// Redact replaces passwords, tokens, keys and similar secrets in line with
// [REDACTED], keeping the key names so the line still makes sense. It is
// best effort: it catches the common shapes, not every secret.
func Redact(line string) string {
	lower := strings.ToLower(line)
	for _, rd := range redactors {
		if !containsAny(lower, rd.hints) || !rd.re.MatchString(line) {
			continue
		}
		re := rd.re
		line = re.ReplaceAllStringFunc(line, func(m string) string {
			sub := re.FindStringSubmatch(m)
			out := sub[1] + Redacted
			if len(sub) > 2 {
				out += sub[2]
			}
			return out
		})
		lower = strings.ToLower(line)
	}
	return line
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// keyBlock tracks whether a line-by-line reader is inside a private key
// block, so the base64 lines between BEGIN and END are hidden too.
type keyBlock struct{ inside bool }

// line returns the text to keep for one line of a log.
func (k *keyBlock) line(s string) string {
	if k.inside {
		if strings.Contains(s, "-----END ") && isPrivateKeyMarker(s) {
			k.inside = false
		}
		return Redacted
	}
	if i := strings.Index(s, "-----BEGIN "); i >= 0 && isPrivateKeyMarker(s[i:]) &&
		!strings.Contains(s[i:], "-----END ") {
		k.inside = true
	}
	return Redact(s)
}

// isPrivateKeyMarker reports whether s holds a PEM "PRIVATE KEY-----" or a
// PGP "PRIVATE KEY BLOCK-----" armour line.
func isPrivateKeyMarker(s string) bool {
	return strings.Contains(s, "PRIVATE KEY-----") || strings.Contains(s, "PRIVATE KEY BLOCK-----")
}
