package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// DefaultTokenTTL is the lifetime of a token when TokensConfig.TTL is 0.
	DefaultTokenTTL = 12 * time.Hour
	// MaxTokenLen bounds a token accepted by Verify.
	MaxTokenLen = 4096
	// tokenLeeway tolerates small clock differences between gateways that
	// share a signing key.
	tokenLeeway = 30 * time.Second
)

// ErrInvalidToken wraps every Verify failure; the jwt package's own errors
// (jwt.ErrTokenExpired, ...) stay reachable with errors.Is as well.
var ErrInvalidToken = errors.New("auth: invalid token")

// Claims are the claims of a Tether API token.
type Claims struct {
	jwt.RegisteredClaims
	// Role is the user's role when the token was issued.
	Role string `json:"role"`
	// Version is the user's token version when the token was issued; the
	// API refuses a token whose version is not the user's current one (the
	// store bumps it on sign-out and on every change of password, second
	// factor, role or disabled state).
	Version int64 `json:"ver"`
}

// TokensConfig configures NewTokens.
type TokensConfig struct {
	// Key signs tokens; its public half verifies them. Required.
	Key ed25519.PrivateKey
	// Issuer is the "iss" claim, e.g. the gateway's public URL. Required.
	Issuer string
	// Audience is the "aud" claim, e.g. "tether-api". Required.
	Audience string
	// TTL is how long a token is valid; DefaultTokenTTL when 0.
	TTL time.Duration
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
}

// Tokens issues and verifies EdDSA-signed JWTs.
type Tokens struct {
	cfg    TokensConfig
	pub    ed25519.PublicKey
	parser *jwt.Parser
}

// NewTokens checks cfg, fills in defaults and returns a Tokens.
func NewTokens(cfg TokensConfig) (*Tokens, error) {
	switch {
	case len(cfg.Key) != ed25519.PrivateKeySize:
		return nil, errors.New("auth: TokensConfig.Key must be an Ed25519 private key")
	case cfg.Issuer == "":
		return nil, errors.New("auth: TokensConfig.Issuer is required")
	case cfg.Audience == "":
		return nil, errors.New("auth: TokensConfig.Audience is required")
	case cfg.TTL < 0:
		return nil, errors.New("auth: TokensConfig.TTL must not be negative")
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTokenTTL
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Tokens{
		cfg: cfg,
		pub: cfg.Key.Public().(ed25519.PublicKey),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(tokenLeeway),
			jwt.WithTimeFunc(cfg.Clock),
			jwt.WithStrictDecoding(),
		),
	}, nil
}

// Issue signs a token for user with role and token version, valid from now
// for the TTL. It returns the token and its expiry time (whole seconds, as
// in the token).
func (t *Tokens) Issue(user, role string, version int64) (token string, expires time.Time, err error) {
	if user == "" {
		return "", time.Time{}, errors.New("auth: issue token: empty user")
	}
	if !ValidRole(role) {
		return "", time.Time{}, fmt.Errorf("auth: issue token: unknown role %q", role)
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: issue token: %w", err)
	}
	now := t.cfg.Clock().Truncate(time.Second)
	expires = now.Add(t.cfg.TTL)
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.cfg.Issuer,
			Subject:   user,
			Audience:  jwt.ClaimStrings{t.cfg.Audience},
			ExpiresAt: jwt.NewNumericDate(expires),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        base64.RawURLEncoding.EncodeToString(id[:]),
		},
		Role:    role,
		Version: version,
	}
	token, err = jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(t.cfg.Key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return token, expires, nil
}

// Verify checks a token's signature (EdDSA with our key only), issuer,
// audience, expiry (required), not-before and issued-at against the clock,
// and that it names a user, a known role and an ID. Every failure wraps
// ErrInvalidToken.
func (t *Tokens) Verify(token string) (*Claims, error) {
	if len(token) > MaxTokenLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, MaxTokenLen)
	}
	var claims Claims
	_, err := t.parser.ParseWithClaims(token, &claims, func(tok *jwt.Token) (any, error) {
		if _, ok := tok.Method.(*jwt.SigningMethodEd25519); !ok {
			return nil, fmt.Errorf("unexpected signing method %v", tok.Header["alg"])
		}
		return t.pub, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	switch {
	case claims.Subject == "":
		return nil, fmt.Errorf("%w: no subject", ErrInvalidToken)
	case !ValidRole(claims.Role):
		return nil, fmt.Errorf("%w: unknown role", ErrInvalidToken)
	case claims.ID == "":
		return nil, fmt.Errorf("%w: no token ID", ErrInvalidToken)
	case claims.Version < 0:
		return nil, fmt.Errorf("%w: negative version", ErrInvalidToken)
	}
	return &claims, nil
}
