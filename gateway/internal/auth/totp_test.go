package auth

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// rfcSecret is RFC 6238's SHA-1 test secret "12345678901234567890", base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestCheckTOTPRFCVectors(t *testing.T) {
	// RFC 6238 appendix B, SHA-1, last six of the eight digits.
	vectors := []struct {
		unix int64
		code string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
	}
	for _, v := range vectors {
		if !CheckTOTP(rfcSecret, v.code, time.Unix(v.unix, 0)) {
			t.Errorf("CheckTOTP(rfc secret, %s, %d) = false, want true", v.code, v.unix)
		}
	}
}

func TestNewTOTPAndCheck(t *testing.T) {
	secret, u, err := NewTOTP("Tether", "alice@example.test")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(secret) {
		t.Errorf("secret %q is not 160 bits of base32", secret)
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "otpauth" || parsed.Host != "totp" {
		t.Fatalf("otpauth URL %q: %v", u, err)
	}
	q := parsed.Query()
	if q.Get("secret") != secret || q.Get("issuer") != "Tether" || !strings.Contains(parsed.Path, "alice@example.test") {
		t.Errorf("otpauth URL %q does not carry secret, issuer and account", u)
	}

	now := time.Date(2026, 11, 24, 12, 0, 15, 0, time.UTC)
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cur := code(now)
	tests := []struct {
		name string
		code string
		at   time.Time
		want bool
	}{
		{"current step", cur, now, true},
		{"with spaces", " " + cur + " ", now, true},
		{"one step late", cur, now.Add(30 * time.Second), true},
		{"one step early", cur, now.Add(-30 * time.Second), true},
		{"two steps late", cur, now.Add(60 * time.Second), false},
		{"two steps early", cur, now.Add(-60 * time.Second), false},
		{"wrong code", flipDigit(cur), now, false},
		{"empty", "", now, false},
		{"five digits", cur[:5], now, false},
		{"letters", "abcdef", now, false},
		{"long", cur + "0", now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckTOTP(secret, tt.code, tt.at); got != tt.want {
				t.Errorf("CheckTOTP(%q at %v) = %v, want %v", tt.code, tt.at, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "not base32!", strings.Repeat("A", 200)} {
		if CheckTOTP(bad, cur, now) {
			t.Errorf("CheckTOTP with secret %.20q = true", bad)
		}
	}
}

func flipDigit(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestRecoveryCodes(t *testing.T) {
	plain, hashes := NewRecoveryCodes(10)
	if len(plain) != 10 || len(hashes) != 10 {
		t.Fatalf("got %d codes, %d hashes; want 10 each", len(plain), len(hashes))
	}
	format := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$`)
	seen := map[string]bool{}
	for i, p := range plain {
		if !format.MatchString(p) {
			t.Errorf("code %q is not XXXX-XXXX-XXXX-XXXX Crockford base32", p)
		}
		if seen[p] {
			t.Errorf("code %q repeated", p)
		}
		seen[p] = true
		if strings.Contains(hashes[i], p) || len(hashes[i]) != 64 {
			t.Errorf("hash %q is not a hex SHA-256", hashes[i])
		}
		for _, variant := range []string{p, strings.ToLower(p), strings.ReplaceAll(p, "-", ""), strings.ReplaceAll(p, "-", " ")} {
			if idx, ok := CheckRecoveryCode(variant, hashes); !ok || idx != i {
				t.Errorf("CheckRecoveryCode(%q) = %d, %v; want %d, true", variant, idx, ok, i)
			}
		}
	}
	lookAlike := strings.NewReplacer("1", "I", "0", "O").Replace(plain[0])
	if idx, ok := CheckRecoveryCode(lookAlike, hashes); !ok || idx != 0 {
		t.Errorf("look-alike letters not folded: %q → %d, %v", lookAlike, idx, ok)
	}
	for _, bad := range []string{"", "AAAA-AAAA-AAAA-AAAA", plain[0][:18], plain[0] + "A", "ÄÄÄÄ-AAAA-AAAA-AAAA", strings.Repeat("A", 100)} {
		if idx, ok := CheckRecoveryCode(bad, hashes); ok {
			t.Errorf("CheckRecoveryCode(%q) = %d, true; want false", bad, idx)
		}
	}
	if _, ok := CheckRecoveryCode(plain[0], nil); ok {
		t.Error("CheckRecoveryCode with no hashes = true")
	}
	if p, _ := NewRecoveryCodes(0); len(p) != 1 {
		t.Errorf("NewRecoveryCodes(0) gave %d codes, want clamped to 1", len(p))
	}
	if p, _ := NewRecoveryCodes(1 << 20); len(p) != MaxRecoveryCodes {
		t.Errorf("NewRecoveryCodes(huge) gave %d codes, want %d", len(p), MaxRecoveryCodes)
	}
}

func FuzzCheckTOTP(f *testing.F) {
	f.Add(rfcSecret, "287082", int64(59))
	f.Add("", "", int64(0))
	f.Add("====", "000000", int64(-1))
	f.Fuzz(func(t *testing.T, secret, code string, unix int64) {
		CheckTOTP(secret, code, time.Unix(unix, 0)) // must not panic
	})
}

func FuzzCheckRecoveryCode(f *testing.F) {
	plain, hashes := NewRecoveryCodes(3)
	f.Add(plain[1])
	f.Add("")
	f.Add("iiii-llll-oooo-0000")
	f.Fuzz(func(t *testing.T, code string) {
		idx, ok := CheckRecoveryCode(code, hashes)
		if ok != (idx >= 0) || idx >= len(hashes) {
			t.Fatalf("CheckRecoveryCode(%q) = %d, %v", code, idx, ok)
		}
		if ok {
			if norm, _ := normalizeRecoveryCode(code); norm != strings.ReplaceAll(plain[idx], "-", "") {
				t.Fatalf("%q matched code %d (%s) without normalising to it", code, idx, plain[idx])
			}
		}
	})
}

func TestMatchTOTPReturnsTheStep(t *testing.T) {
	secret, _, err := NewTOTP("Tether", "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_015, 0)
	cur := now.Unix() / 30
	for _, d := range []int64{-1, 0, 1} {
		at := time.Unix((cur+d)*30, 0)
		code, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		step, ok := MatchTOTP(secret, code, now)
		if !ok || step != cur+d {
			t.Errorf("code of step %+d: MatchTOTP = %d, %v; want %d, true", d, step, ok, cur+d)
		}
	}
	old, _ := totp.GenerateCode(secret, now.Add(-2*time.Minute))
	if _, ok := MatchTOTP(secret, old, now); ok {
		t.Error("a code two minutes old matched")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := MatchTOTP(secret, bad, now); ok {
			t.Errorf("MatchTOTP(%q) matched", bad)
		}
	}
	if _, ok := MatchTOTP("", "123456", now); ok {
		t.Error("empty secret matched")
	}
}
