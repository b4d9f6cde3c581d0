package diag

import (
	"regexp"
	"strings"
)

// Redacted replaces every secret Redact finds.
const Redacted = "[REDACTED]"

// redactors run in order; each keeps its first group (the key or prefix)
// and replaces the rest of the match.
var redactors = []*regexp.Regexp{
	// A private key block, whole or from its header to the end of the text.
	regexp.MustCompile(`(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(?s:.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$))`),
	// Authorization headers: Bearer, Basic, Token and friends.
	regexp.MustCompile(`(?i)(authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|digest|negotiate)?\s*)[^\s"',;]+`),
	regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}`),
	// key=value, key: value, "key": "value" for secret-looking keys.
	regexp.MustCompile(`(?i)((?:password|passwd|pwd|pass|passphrase|secret|client_secret|token|access_token|refresh_token|auth_token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|session[_-]?id|cookie|credentials?)["']?\s*(?:=|:)\s*["']?)[^\s"'&,;]+`),
	// Credentials in URLs: scheme://user:password@host.
	regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)[^\s@/]+(@)`),
	// AWS access key ids.
	regexp.MustCompile(`()\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b`),
	// JWT-like tokens: three base64url parts, the first a JSON header.
	regexp.MustCompile(`()\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}`),
	// Well-known token formats: GitHub, Slack, OpenAI/Stripe style, Google API keys.
	regexp.MustCompile(`()\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}|sk_live_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35})`),
}

// Redact replaces passwords, tokens, keys and similar secrets in line with
// [REDACTED], keeping the key names so the line still makes sense. It is
// best effort: it catches the common shapes, not every secret.
func Redact(line string) string {
	for _, re := range redactors {
		if !re.MatchString(line) {
			continue
		}
		line = re.ReplaceAllStringFunc(line, func(m string) string {
			sub := re.FindStringSubmatch(m)
			out := sub[1] + Redacted
			if len(sub) > 2 {
				out += sub[2]
			}
			return out
		})
	}
	return line
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
