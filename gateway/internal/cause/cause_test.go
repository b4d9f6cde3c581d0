package cause

import (
	"errors"
	"fmt"
	"testing"
)

// other is an error type with its own Is, like rights.Cause.
type other struct{}

func (other) Error() string        { return "your account was disabled" }
func (other) Is(target error) bool { return target == RightWithdrawn }

func TestOfNormalCode(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		want   *Cause
		normal bool
	}{
		{"plain", ShellExited, ShellExited, true},
		{"with detail", With(UserRevoked, "the user withdrew the shell permission"), UserRevoked, true},
		{"wrapped twice", fmt.Errorf("session ended: %w", With(LinkLost, "keepalives")), LinkLost, false},
		{"custom Is", other{}, RightWithdrawn, true},
		{"wrapped custom", fmt.Errorf("x: %w", other{}), RightWithdrawn, true},
		{"shutdown", GatewayShutdown, GatewayShutdown, false},
		{"no cause", errors.New("shell exited"), nil, false}, // the same words are not the cause
		{"nil", nil, nil, false},
	}
	for _, tt := range tests {
		if got := Of(tt.err); got != tt.want {
			t.Errorf("%s: Of = %v, want %v", tt.name, got, tt.want)
		}
		if got := Normal(tt.err); got != tt.normal {
			t.Errorf("%s: Normal = %v, want %v", tt.name, got, tt.normal)
		}
	}
	if got := Code(With(UserRevoked, "x")); got != "user_revoked" {
		t.Errorf("Code = %q, want user_revoked", got)
	}
	if got := Code(errors.New("x")); got != "unknown" {
		t.Errorf("Code of an uncaused error = %q, want unknown", got)
	}
	if got := With(LinkLost, "keepalives").Error(); got != "connection lost: keepalives" {
		t.Errorf("With text = %q", got)
	}
	seen := map[string]bool{}
	for _, c := range all {
		if seen[c.code] {
			t.Errorf("code %q used twice", c.code)
		}
		seen[c.code] = true
	}
}
