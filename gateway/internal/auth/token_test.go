package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

const (
	testIssuer   = "https://127.0.0.1:8443"
	testAudience = "tether-api"
)

// clock is a settable test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func newTestTokens(t *testing.T, key ed25519.PrivateKey, c *clock, iss, aud string) *Tokens {
	t.Helper()
	tok, err := NewTokens(TokensConfig{Key: key, Issuer: iss, Audience: aud, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func newKeyT(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestTokensIssueVerify(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 500, time.UTC)}
	tokens := newTestTokens(t, newKeyT(t), c, testIssuer, testAudience)
	tok, exp, err := tokens.Issue("alice", RoleTechnician, 7)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC); !exp.Equal(want) {
		t.Errorf("expires = %v, want %v (12h default TTL)", exp, want)
	}
	c.Advance(DefaultTokenTTL - time.Minute)
	claims, err := tokens.Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	iat := jwt.NewNumericDate(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	want := &Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: testIssuer, Subject: "alice", Audience: jwt.ClaimStrings{testAudience},
			ExpiresAt: jwt.NewNumericDate(exp), NotBefore: iat, IssuedAt: iat, ID: claims.ID,
		},
		Role:    RoleTechnician,
		Version: 7,
	}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if len(claims.ID) < 20 {
		t.Errorf("jti %q is too short to be random", claims.ID)
	}
	tok2, _, _ := tokens.Issue("alice", RoleTechnician, 0)
	if c2, _ := tokens.Verify(tok2); c2 == nil || c2.ID == claims.ID {
		t.Error("two tokens share a jti")
	}
	if !strings.Contains(mustSegment(t, tok, 0), `"alg":"EdDSA"`) {
		t.Errorf("header %s is not EdDSA", mustSegment(t, tok, 0))
	}
}

func TestTokensVerifyRejects(t *testing.T) {
	start := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	key := newKeyT(t)
	pub := key.Public().(ed25519.PublicKey)
	c := &clock{now: start}
	tokens := newTestTokens(t, key, c, testIssuer, testAudience)

	good, _, err := tokens.Issue("alice", RoleTechnician, 0)
	if err != nil {
		t.Fatal(err)
	}
	claims := func() Claims {
		return Claims{RegisteredClaims: jwt.RegisteredClaims{
			Issuer: testIssuer, Subject: "alice", Audience: jwt.ClaimStrings{testAudience},
			ExpiresAt: jwt.NewNumericDate(start.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(start),
			NotBefore: jwt.NewNumericDate(start), ID: "id-1",
		}, Role: RoleAdmin}
	}
	sign := func(m jwt.SigningMethod, k any, cl Claims) string {
		s, err := jwt.NewWithClaims(m, cl).SignedString(k)
		if err != nil {
			t.Fatalf("sign with %s: %v", m.Alg(), err)
		}
		return s
	}
	issueWith := func(iss, aud string) string {
		s, _, err := newTestTokens(t, key, c, iss, aud).Issue("alice", RoleAdmin, 0)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	noExp := claims()
	noExp.ExpiresAt = nil
	future := claims()
	future.IssuedAt, future.NotBefore = jwt.NewNumericDate(start.Add(time.Hour)), jwt.NewNumericDate(start.Add(time.Hour))
	noSub, badRole, noID := claims(), claims(), claims()
	noSub.Subject, badRole.Role, noID.ID = "", "root", ""

	tamper := func(tok, from, to string) string {
		parts := strings.Split(tok, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), from, to, 1)))
		return strings.Join(parts, ".")
	}

	tests := []struct {
		name    string
		token   func() string
		advance time.Duration
		wantJWT error // a jwt sentinel that must also match, when set
	}{
		{name: "alg none", token: func() string {
			return sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims())
		}, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "HS256 with the public key as secret", token: func() string {
			return sign(jwt.SigningMethodHS256, []byte(pub), claims())
		}, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "another Ed25519 key", token: func() string {
			return sign(jwt.SigningMethodEdDSA, newKeyT(t), claims())
		}, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "expired", token: func() string { return good }, advance: DefaultTokenTTL + time.Minute, wantJWT: jwt.ErrTokenExpired},
		{name: "not yet valid", token: func() string { return sign(jwt.SigningMethodEdDSA, key, future) }, wantJWT: jwt.ErrTokenNotValidYet},
		{name: "no expiry", token: func() string { return sign(jwt.SigningMethodEdDSA, key, noExp) }, wantJWT: jwt.ErrTokenRequiredClaimMissing},
		{name: "wrong audience", token: func() string { return issueWith(testIssuer, "other-api") }, wantJWT: jwt.ErrTokenInvalidAudience},
		{name: "wrong issuer", token: func() string { return issueWith("https://evil.invalid", testAudience) }, wantJWT: jwt.ErrTokenInvalidIssuer},
		{name: "tampered payload", token: func() string { return tamper(good, `"technician"`, `"admin"`) }, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "tampered header", token: func() string {
			parts := strings.Split(good, ".")
			parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
			return strings.Join(parts, ".")
		}, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "signature removed", token: func() string { return good[:strings.LastIndexByte(good, '.')+1] }},
		{name: "no subject", token: func() string { return sign(jwt.SigningMethodEdDSA, key, noSub) }},
		{name: "unknown role", token: func() string { return sign(jwt.SigningMethodEdDSA, key, badRole) }},
		{name: "no ID", token: func() string { return sign(jwt.SigningMethodEdDSA, key, noID) }},
		{name: "empty", token: func() string { return "" }},
		{name: "garbage", token: func() string { return "not-a-token" }},
		{name: "three garbage parts", token: func() string { return "a.b.c" }},
		{name: "oversize", token: func() string { return good + strings.Repeat("A", MaxTokenLen) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.now = start
			tok := tt.token()
			c.Advance(tt.advance)
			claims, err := tokens.Verify(tok)
			if err == nil {
				t.Fatalf("Verify succeeded with claims %+v, want an error", claims)
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Errorf("Verify error = %v, want it to wrap ErrInvalidToken", err)
			}
			if tt.wantJWT != nil && !errors.Is(err, tt.wantJWT) {
				t.Errorf("Verify error = %v, want it to wrap %v", err, tt.wantJWT)
			}
		})
	}
	c.now = start
	if _, err := tokens.Verify(good); err != nil {
		t.Errorf("the untouched token no longer verifies: %v", err)
	}
}

func TestNewTokensAndIssueErrors(t *testing.T) {
	key := newKeyT(t)
	bad := []TokensConfig{
		{Issuer: testIssuer, Audience: testAudience},
		{Key: key[:10], Issuer: testIssuer, Audience: testAudience},
		{Key: key, Audience: testAudience},
		{Key: key, Issuer: testIssuer},
		{Key: key, Issuer: testIssuer, Audience: testAudience, TTL: -time.Second},
	}
	for i, cfg := range bad {
		if _, err := NewTokens(cfg); err == nil {
			t.Errorf("NewTokens(case %d) succeeded, want an error", i)
		}
	}
	tokens, err := NewTokens(TokensConfig{Key: key, Issuer: testIssuer, Audience: testAudience, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tokens.Issue("", RoleAdmin, 0); err == nil {
		t.Error("Issue with an empty user succeeded")
	}
	if _, _, err := tokens.Issue("alice", "root", 0); err == nil {
		t.Error("Issue with an unknown role succeeded")
	}
	_, exp, err := tokens.Issue("alice", RoleAuditor, 0)
	if err != nil || exp.Sub(time.Now()) > time.Minute {
		t.Errorf("Issue with TTL 1m: expires %v, err %v", exp, err)
	}
}

func mustSegment(t *testing.T, tok string, i int) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func FuzzVerify(f *testing.F) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	tokens, err := NewTokens(TokensConfig{Key: key, Issuer: testIssuer, Audience: testAudience, Clock: c.Now})
	if err != nil {
		f.Fatal(err)
	}
	good, _, _ := tokens.Issue("alice", RoleAdmin, 0)
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, s string) {
		claims, err := tokens.Verify(s)
		if err == nil && s != good {
			t.Fatalf("Verify accepted a token we did not issue: %q (%+v)", s, claims)
		}
	})
}
