package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// refHash was made by the argon2 reference implementation's CLI:
//
//	echo -n "correct horse battery" | argon2 tethersaltsalt16 -id -t 2 -k 19456 -p 1 -l 32 -e
const refHash = "$argon2id$v=19$m=19456,t=2,p=1$dGV0aGVyc2FsdHNhbHQxNg$TLO99pbEPazfmqK08Y3FVGUI/9kX1Fy44xlKg6RQ96A"

func TestHashAndCheckPassword(t *testing.T) {
	h1, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse battery")
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h1) {
		t.Errorf("HashPassword = %q, want PHC argon2id with OWASP parameters", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of the same password are equal: salt is not random")
	}
	tests := []struct {
		name, hash, pw string
		want           bool
	}{
		{"own hash, right password", h1, "correct horse battery", true},
		{"own hash, wrong password", h1, "correct horse batterY", false},
		{"own hash, empty password", h1, "", false},
		{"reference vector", refHash, "correct horse battery", true},
		{"reference vector, wrong password", refHash, "correct horse", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(tt.hash, tt.pw); got != tt.want {
				t.Errorf("CheckPassword = %v, want %v", got, tt.want)
			}
		})
	}
	if NeedsRehash(h1) {
		t.Error("NeedsRehash(new hash) = true")
	}
}

func TestCheckPasswordBadEncodings(t *testing.T) {
	good := strings.Split(refHash, "$") // "", argon2id, v=19, params, salt, hash
	with := func(i int, v string) string {
		p := append([]string(nil), good...)
		p[i] = v
		return strings.Join(p, "$")
	}
	tests := map[string]string{
		"empty":            "",
		"garbage":          "not a hash",
		"argon2i":          with(1, "argon2i"),
		"bcrypt":           "$2a$10$abcdefghijklmnopqrstuuGxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01",
		"version 16":       with(2, "v=16"),
		"no version":       strings.Join(append(good[:2:2], good[3:]...), "$"),
		"extra part":       refHash + "$x",
		"memory too big":   with(3, "m=4194304,t=2,p=1"),
		"memory zero":      with(3, "m=0,t=2,p=1"),
		"memory per lane":  with(3, "m=8,t=1,p=2"),
		"time zero":        with(3, "m=19456,t=0,p=1"),
		"time too big":     with(3, "m=19456,t=1000,p=1"),
		"threads zero":     with(3, "m=19456,t=2,p=0"),
		"threads too big":  with(3, "m=19456,t=2,p=255"),
		"leading zero":     with(3, "m=019456,t=2,p=1"),
		"negative":         with(3, "m=-1,t=2,p=1"),
		"params reordered": with(3, "t=2,m=19456,p=1"),
		"missing param":    with(3, "m=19456,t=2"),
		"salt not base64":  with(4, "!!!!"),
		"salt padded":      with(4, good[4]+"=="),
		"salt too short":   with(4, "YWJj"),
		"hash too short":   with(5, "YWJj"),
		"hash too long":    with(5, strings.Repeat("A", 100)),
		"too long":         refHash + strings.Repeat("A", 300),
		"hash modified":    with(5, "ALO99pbEPazfmqK08Y3FVGUI/9kX1Fy44xlKg6RQ96A"),
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			if CheckPassword(h, "correct horse battery") {
				t.Errorf("CheckPassword(%q) = true, want false", h)
			}
			if !NeedsRehash(h) && name != "hash modified" {
				t.Errorf("NeedsRehash(%q) = false, want true for a hash we cannot use", h)
			}
		})
	}
}

func TestPasswordLengthBounds(t *testing.T) {
	long := strings.Repeat("a", MaxPasswordLen+1)
	if _, err := HashPassword(long); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("HashPassword(%d bytes) error = %v, want ErrPasswordTooLong", len(long), err)
	}
	if CheckPassword(refHash, long) {
		t.Error("CheckPassword accepted an oversize password")
	}
	tests := []struct {
		pw   string
		want error
	}{
		{"", ErrPasswordTooShort},
		{"1234567", ErrPasswordTooShort},
		{"12345678", nil},
		{"pässwörd", nil}, // 8 characters, 10 bytes
		{"äöüäöüä", ErrPasswordTooShort},
		{"\xff\xfe12345678", ErrPasswordEncoding},
		{strings.Repeat("a", MaxPasswordLen), nil},
		{long, ErrPasswordTooLong},
	}
	for _, tt := range tests {
		if got := ValidatePassword(tt.pw); !errors.Is(got, tt.want) {
			t.Errorf("ValidatePassword(%.20q) = %v, want %v", tt.pw, got, tt.want)
		}
	}
}

func TestDummyCheckCostsTheSame(t *testing.T) {
	// Equal cost is structural: the dummy hash has exactly the parameters,
	// salt length and key length of a fresh hash. (Timing itself is measured
	// by the benchmarks, not asserted.)
	fresh, _ := decodeArgon(mustHash(t, "whatever-password"))
	dummy, err := decodeArgon(dummyHash)
	if err != nil {
		t.Fatalf("dummy hash does not decode: %v", err)
	}
	if fresh.memory != dummy.memory || fresh.time != dummy.time || fresh.threads != dummy.threads ||
		len(fresh.salt) != len(dummy.salt) || len(fresh.hash) != len(dummy.hash) {
		t.Errorf("dummy params %+v differ from fresh %+v", dummy, fresh)
	}
	DummyCheck("whatever-password") // must not panic, matches nothing
	if CheckPassword(dummyHash, "") {
		t.Error("dummy hash matched the empty password")
	}
}

func TestConstantTimeEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "abcd", false},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := ConstantTimeEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("ConstantTimeEqual(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func mustHash(t testing.TB, pw string) string {
	t.Helper()
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func FuzzDecodeArgon(f *testing.F) {
	f.Add(refHash)
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$")
	f.Add("$argon2id$v=19$m=262144,t=16,p=16$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := decodeArgon(s)
		if err != nil {
			return
		}
		if p.memory > maxMemoryKiB || p.time > maxTime || p.threads > maxThreads || p.memory < 8*uint32(p.threads) {
			t.Fatalf("decodeArgon(%q) accepted out-of-bounds parameters %+v", s, p)
		}
		if len(p.salt) < 8 || len(p.hash) < 16 || len(p.salt) > 64 || len(p.hash) > 64 {
			t.Fatalf("decodeArgon(%q) accepted salt %d / hash %d bytes", s, len(p.salt), len(p.hash))
		}
		if again, err := decodeArgon(p.encode()); err != nil || again.memory != p.memory {
			t.Fatalf("re-encoding %q does not decode: %v", s, err)
		}
	})
}

func BenchmarkCheckPassword(b *testing.B) {
	h := mustHash(b, "correct horse battery")
	for b.Loop() {
		CheckPassword(h, "wrong password!")
	}
}

func BenchmarkDummyCheck(b *testing.B) {
	for b.Loop() {
		DummyCheck("wrong password!")
	}
}
