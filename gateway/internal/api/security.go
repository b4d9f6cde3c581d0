package api

import (
	"errors"
	"time"

	"github.com/tetherhq/tether/gateway/internal/auth"
)

// Session policy defaults.
const (
	DefaultSessionMaxLength   = 8 * time.Hour
	DefaultSessionIdleTimeout = 30 * time.Minute
)

// Security configures the protections of the API beyond roles: second
// factors, the per-user rate limit and the live session policy.
type Security struct {
	// RequireMFA names the roles whose users must have a second factor.
	// Such a user without one can sign in, but the API refuses everything
	// except /me, /me/mfa/* and logout until they enroll. Default: none.
	RequireMFA map[string]bool
	// MFAIssuer names the gateway in authenticator apps; default "Tether".
	MFAIssuer string
	// APILimiter limits signed-in requests per user. Default: bursts of 300,
	// then 20 per second.
	APILimiter *auth.Limiter
	// SessionMaxLength ends a live session this long after it connected;
	// default 8h, negative for no limit.
	SessionMaxLength time.Duration
	// SessionIdleTimeout ends a live session after this long without any
	// technician activity (shell bytes, diagnostics, screen); default 30m,
	// negative for no limit.
	SessionIdleTimeout time.Duration
	// RightsSweep is how often every open shell, screen view, diagnostics
	// run and event stream is re-checked against its holder's rights, as a
	// backstop for changes made outside this API (the admin CLI, another
	// gateway); changes made through the API take effect at once. Default 30s.
	RightsSweep time.Duration
}

func (c *Security) checkAndSetDefaults(st Store, clock func() time.Time) error {
	if _, ok := st.(SecurityStore); !ok {
		return errors.New("api: Store must also implement api.SecurityStore")
	}
	for role := range c.RequireMFA {
		if !auth.ValidRole(role) {
			return errors.New("api: RequireMFA names an unknown role " + role)
		}
	}
	if c.MFAIssuer == "" {
		c.MFAIssuer = "Tether"
	}
	if c.APILimiter == nil {
		c.APILimiter = auth.NewLimiter(auth.LimiterConfig{Burst: 300, Every: time.Second / 20, Clock: clock})
	}
	if c.SessionMaxLength == 0 {
		c.SessionMaxLength = DefaultSessionMaxLength
	}
	if c.SessionIdleTimeout == 0 {
		c.SessionIdleTimeout = DefaultSessionIdleTimeout
	}
	return nil
}

// sec returns the store's security methods (checked in New).
func (a *API) sec() SecurityStore { return a.cfg.Store.(SecurityStore) }
