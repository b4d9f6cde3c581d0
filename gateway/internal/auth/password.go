package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password policy.
const (
	// MinPasswordLen is the minimum length of a password, in characters.
	MinPasswordLen = 8
	// MaxPasswordLen bounds a password, in bytes, so that hashing cost does
	// not depend on what an attacker sends.
	MaxPasswordLen = 1024
)

// argon2id parameters for new hashes, the first configuration OWASP
// recommends: 19 MiB of memory, 2 passes, 1 lane.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Bounds on parameters read back from a stored hash, so that a corrupted or
// hostile database row cannot make a check allocate without limit.
const (
	maxMemoryKiB   = 256 * 1024
	maxTime        = 16
	maxThreads     = 16
	maxEncodedHash = 256
)

var (
	// ErrPasswordTooShort is returned by ValidatePassword.
	ErrPasswordTooShort = fmt.Errorf("auth: password must have at least %d characters", MinPasswordLen)
	// ErrPasswordTooLong is returned by ValidatePassword and HashPassword.
	ErrPasswordTooLong = fmt.Errorf("auth: password must be at most %d bytes", MaxPasswordLen)
	// ErrPasswordEncoding is returned by ValidatePassword for invalid UTF-8.
	ErrPasswordEncoding = errors.New("auth: password is not valid UTF-8")
)

// ValidatePassword applies the password policy to a new password: valid
// UTF-8, at least MinPasswordLen characters, at most MaxPasswordLen bytes.
func ValidatePassword(pw string) error {
	switch {
	case len(pw) > MaxPasswordLen:
		return ErrPasswordTooLong
	case !utf8.ValidString(pw):
		return ErrPasswordEncoding
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return ErrPasswordTooShort
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in PHC string form,
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" with unpadded standard
// base64. It refuses passwords longer than MaxPasswordLen; the rest of the
// policy is ValidatePassword's.
func HashPassword(pw string) (string, error) {
	if len(pw) > MaxPasswordLen {
		return "", ErrPasswordTooLong
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	p := argonParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads, salt: salt}
	p.hash = argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, argonKeyLen)
	return p.encode(), nil
}

// CheckPassword reports whether pw matches the PHC-encoded argon2id hash.
// The comparison is constant-time; a malformed hash, or a password longer
// than MaxPasswordLen, never matches.
func CheckPassword(encoded, pw string) bool {
	if len(pw) > MaxPasswordLen {
		return false
	}
	p, err := decodeArgon(encoded)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.hash)))
	return subtle.ConstantTimeCompare(got, p.hash) == 1
}

// DummyCheck spends the time of a CheckPassword against a hash made with the
// current parameters, and always fails. Call it when the user does not
// exist, so that "no such user" and "wrong password" cannot be told apart by
// timing.
func DummyCheck(pw string) {
	_ = CheckPassword(dummyHash, pw)
}

// dummyHash has the current parameters and a random salt and hash, so it
// costs the same as a real one and matches nothing.
var dummyHash = func() string {
	p := argonParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads,
		salt: make([]byte, argonSaltLen), hash: make([]byte, argonKeyLen)}
	_, _ = rand.Read(p.salt)
	_, _ = rand.Read(p.hash)
	return p.encode()
}()

// NeedsRehash reports whether a stored hash uses other parameters than new
// hashes do, so that callers can upgrade it after a successful login.
func NeedsRehash(encoded string) bool {
	p, err := decodeArgon(encoded)
	return err != nil || p.memory != argonMemoryKiB || p.time != argonTime ||
		p.threads != argonThreads || len(p.hash) != argonKeyLen
}

// ConstantTimeEqual reports whether a and b are equal without leaking, by
// timing, where they differ. (It does leak their lengths.)
func ConstantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// argonParams is a decoded PHC argon2id string.
type argonParams struct {
	memory     uint32
	time       uint32
	threads    uint8
	salt, hash []byte
}

func (p argonParams) encode() string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.memory, p.time, p.threads, b64.EncodeToString(p.salt), b64.EncodeToString(p.hash))
}

// decodeArgon parses "$argon2id$v=19$m=M,t=T,p=P$salt$hash" strictly, with
// bounds on every parameter.
func decodeArgon(s string) (argonParams, error) {
	var p argonParams
	if len(s) > maxEncodedHash {
		return p, errors.New("hash too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, errors.New("not an argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return p, errors.New("want m, t and p parameters")
	}
	m, err1 := parseParam(params[0], "m=", maxMemoryKiB)
	t, err2 := parseParam(params[1], "t=", maxTime)
	th, err3 := parseParam(params[2], "p=", maxThreads)
	if err := errors.Join(err1, err2, err3); err != nil {
		return p, err
	}
	if m < 8*th {
		return p, errors.New("memory below 8 KiB per lane")
	}
	p.memory, p.time, p.threads = m, t, uint8(th)
	b64 := base64.RawStdEncoding.Strict()
	if p.salt, err1 = b64.DecodeString(parts[4]); err1 != nil || len(p.salt) < 8 || len(p.salt) > 64 {
		return p, errors.New("bad salt")
	}
	if p.hash, err1 = b64.DecodeString(parts[5]); err1 != nil || len(p.hash) < 16 || len(p.hash) > 64 {
		return p, errors.New("bad hash")
	}
	return p, nil
}

// parseParam parses "name=N" with 1 <= N <= max.
func parseParam(s, name string, max uint32) (uint32, error) {
	v, ok := strings.CutPrefix(s, name)
	if !ok {
		return 0, fmt.Errorf("want %s parameter", name)
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < 1 || n > uint64(max) || strconv.FormatUint(n, 10) != v {
		return 0, fmt.Errorf("bad %s parameter", name)
	}
	return uint32(n), nil
}
