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

var redactors = []redactor{
	// A private key block, whole or from its header to the end of the text.
	{[]string{"private key"}, regexp.MustCompile(`(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(?s:.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$))`)},
	// Authorization headers: Bearer, Basic, Token and friends.
	{[]string{"authorization"}, regexp.MustCompile(`(?i)(authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|digest|negotiate)?\s*)[^\s"',;]+`)},
	{[]string{"bearer"}, regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}`)},
	// key=value, key: value, "key": "value" for secret-looking keys.
	{[]string{"pass", "pwd", "secret", "token", "key", "cookie", "credential", "session"},
		regexp.MustCompile(`(?i)((?:password|passwd|pwd|passphrase|secret|client_secret|token|access_token|refresh_token|auth_token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|session[_-]?id|cookie|credentials?)["']?\s*(?:=|:)\s*["']?)[^\s"'&,;]+`)},
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
		if strings.Contains(s, "-----END ") && strings.Contains(s, "PRIVATE KEY-----") {
			k.inside = false
		}
		return Redacted
	}
	if i := strings.Index(s, "-----BEGIN "); i >= 0 && strings.Contains(s[i:], "PRIVATE KEY-----") &&
		!strings.Contains(s[i:], "-----END ") {
		k.inside = true
	}
	return Redact(s)
}
