package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: the ones every authenticator app supports (RFC 6238
// defaults), with one step of clock skew accepted either way.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	totpSkew   = 1
	// maxTOTPSecret bounds a stored secret (base32 of 20 bytes is 32).
	maxTOTPSecret = 128
)

// NewTOTP creates a TOTP secret for account and returns it (base32) with the
// otpauth:// URL an authenticator app scans as a QR code.
func NewTOTP(issuer, account string) (secret, otpauthURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      totpPeriod,
		Digits:      totpDigits,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", fmt.Errorf("auth: new TOTP secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// CheckTOTP reports whether code is the TOTP for secret at now, or one step
// (30 s) before or after. Comparison is constant-time; malformed input is
// false. Callers must still refuse a code reused within its window (store
// the last accepted time step) to stop replays.
func CheckTOTP(secret, code string, now time.Time) bool {
	code = strings.TrimSpace(code)
	if len(code) != totpDigits.Length() || len(secret) == 0 || len(secret) > maxTOTPSecret {
		return false
	}
	ok, err := totp.ValidateCustom(code, secret, now.UTC(), totp.ValidateOpts{
		Period:    totpPeriod,
		Skew:      totpSkew,
		Digits:    totpDigits,
		Algorithm: otp.AlgorithmSHA1,
	})
	return err == nil && ok
}

// MatchTOTP is CheckTOTP that also returns the time step the code matched
// (unix time / 30 s), so the caller can refuse a second use of the same
// step: store the step and accept only later ones.
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != totpDigits.Length() || len(secret) == 0 || len(secret) > maxTOTPSecret {
		return 0, false
	}
	cur := now.UTC().Unix() / totpPeriod
	// Check every candidate step so that timing does not say which matched.
	match := int64(-1)
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		s := cur + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0).UTC(), totp.ValidateOpts{
			Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
		})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && match < 0 {
			match = s
		}
	}
	return match, match >= 0
}

// Recovery codes: 16 symbols of Crockford base32 (80 bits) shown as
// XXXX-XXXX-XXXX-XXXX. With that much entropy a plain SHA-256 is a safe
// way to store them, and checking one does not cost an argon2 run per code.
const (
	recoveryAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	recoverySymbols  = 16
	// MaxRecoveryCodes bounds NewRecoveryCodes.
	MaxRecoveryCodes = 100
)

// NewRecoveryCodes returns n fresh one-time recovery codes to show the user
// once, and their hashes to store (hex SHA-256 of the normalised code), in
// the same order. n is clamped to [1, MaxRecoveryCodes].
func NewRecoveryCodes(n int) (plain []string, hashes []string) {
	n = min(max(n, 1), MaxRecoveryCodes)
	plain = make([]string, n)
	hashes = make([]string, n)
	for i := range n {
		var b [recoverySymbols]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		var sb strings.Builder
		for j, c := range b {
			if j > 0 && j%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[c&31])
		}
		plain[i] = sb.String()
		hashes[i] = hashRecoveryCode(plain[i])
	}
	return plain, hashes
}

// CheckRecoveryCode looks code up among the stored hashes and returns the
// index of the one it matches. Every hash is compared, in constant time.
// The caller must delete the used hash so that the code works only once.
func CheckRecoveryCode(code string, hashes []string) (index int, ok bool) {
	norm, valid := normalizeRecoveryCode(code)
	if !valid {
		return -1, false
	}
	h := []byte(hashRecoveryCode(norm))
	index = -1
	for i, stored := range hashes {
		if subtle.ConstantTimeCompare(h, []byte(stored)) == 1 && index < 0 {
			index = i
		}
	}
	return index, index >= 0
}

// hashRecoveryCode returns the hex SHA-256 of a code without separators.
func hashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte(strings.ReplaceAll(code, "-", "")))
	return hex.EncodeToString(sum[:])
}

// normalizeRecoveryCode upper-cases code, drops dashes and spaces, folds
// Crockford look-alikes (I, L → 1; O → 0) and checks the alphabet and length.
func normalizeRecoveryCode(code string) (string, bool) {
	if len(code) > 64 {
		return "", false
	}
	var sb strings.Builder
	for _, r := range strings.ToUpper(code) {
		switch r {
		case '-', ' ':
			continue
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		if r > 127 || !strings.ContainsRune(recoveryAlphabet, r) {
			return "", false
		}
		sb.WriteRune(r)
	}
	if sb.Len() != recoverySymbols {
		return "", false
	}
	return sb.String(), true
}
