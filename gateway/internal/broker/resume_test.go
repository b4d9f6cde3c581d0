package broker

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/internal/wire"
)

func TestTokenMatches(t *testing.T) {
	a, b, c := hashToken("a"), hashToken("b"), hashToken("c")
	tests := []struct {
		stored, presented string
		want              bool
	}{
		{a, a, true},
		{a + " " + b, b, true}, // the previous token still works once
		{a + " " + b, a, true},
		{a + " " + b, c, false},
		{"", a, false},
		{a, "", false},
	}
	for _, tt := range tests {
		if got := tokenMatches(tt.stored, tt.presented); got != tt.want {
			t.Errorf("tokenMatches(%.8q…, %.8q…) = %v, want %v", tt.stored, tt.presented, got, tt.want)
		}
	}
}

// TestResumeTokenRotates: every resume issues a new token; the presented
// one still works until the SSH handshake on the resumed link confirms the
// new one (a lost Welcome cannot strand the client), and is refused after.
func TestResumeTokenRotates(t *testing.T) {
	h := newHarness(t)
	l := h.join(h.invite("shell"), "shell")
	id, t1 := l.welcome.SessionID, l.welcome.ResumeToken

	r2, err := h.resume(id, t1, true, "shell")
	if err != nil {
		t.Fatalf("resume with the first token: %v", err)
	}
	t2 := r2.welcome.ResumeToken
	if t2 == "" || t2 == t1 {
		t.Fatalf("resume Welcome token = %q, want a new one (was %q)", t2, t1)
	}
	// The Welcome carrying t3 is lost: t2 must still work once more.
	r3, err := h.resume(id, t2, false, "shell")
	if err != nil {
		t.Fatalf("resume with t2: %v", err)
	}
	t3 := r3.welcome.ResumeToken
	r4, err := h.resume(id, t2, true, "shell")
	if err != nil {
		t.Fatalf("resume with t2 again after a lost Welcome: %v, want it accepted", err)
	}
	t4 := r4.welcome.ResumeToken

	tests := []struct {
		name, token string
		wantErr     error
	}{
		{"t1, replaced and confirmed", t1, wire.ErrNoSession},
		{"t2, replaced and confirmed", t2, wire.ErrNoSession},
		{"t3, whose Welcome was lost and superseded", t3, wire.ErrNoSession},
		{"a made-up token", "not-a-token", wire.ErrNoSession},
		{"t4, the current one", t4, nil},
	}
	for _, tt := range tests {
		_, err := h.resume(id, tt.token, true, "shell")
		if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
			t.Errorf("resume with %s: err = %v, want %s", tt.name, err, errName(tt.wantErr))
		}
	}
	stored, err := h.st.SessionResumeHash(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, t4) || len(strings.Fields(stored)) != 1 {
		t.Errorf("stored resume hash = %q, want exactly one hash and never a token", stored)
	}
}

// TestResumeRefusedPastMaxAge: a session cannot be resumed past its
// maximum length, whatever token it holds.
func TestResumeRefusedPastMaxAge(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ResumeMaxAge = time.Hour })
	l := h.join(h.invite("shell"), "shell")
	id := l.welcome.SessionID

	h.clock.advance(59 * time.Minute)
	r, err := h.resume(id, l.welcome.ResumeToken, true, "shell")
	if err != nil {
		t.Fatalf("resume at 59 min of a 1 h maximum: %v, want accepted", err)
	}
	h.clock.advance(time.Minute)
	if _, err := h.resume(id, r.welcome.ResumeToken, true, "shell"); !errors.Is(err, wire.ErrNoSession) {
		t.Errorf("resume at 60 min of a 1 h maximum: err = %v, want %s", err, errName(wire.ErrNoSession))
	}
}

// TestResumeCannotWidenScopes: a client that resumes claiming more than
// the user granted at join gets at most what was granted.
func TestResumeCannotWidenScopes(t *testing.T) {
	h := newHarness(t)
	l := h.join(h.invite("shell", "diagnostics"), "shell")
	id := l.welcome.SessionID
	r, err := h.resume(id, l.welcome.ResumeToken, true, "shell", "diagnostics", "screen", "control")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"shell"}
	if got := r.welcome.Granted; !slices.Equal(got, want) {
		t.Errorf("Welcome granted after a widening resume = %v, want %v", got, want)
	}
	live, err := h.b.Live(id)
	if err != nil {
		t.Fatal(err)
	}
	if got := live.Granted().Strings(); !slices.Equal(got, want) {
		t.Errorf("live granted = %v, want %v", got, want)
	}
	s, err := h.st.Session(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Granted, want) {
		t.Errorf("stored granted = %v, want %v", s.Granted, want)
	}
}

// TestScopeNoticesRecordOnlyChanges: a client repeating tether-scopes
// requests writes an audit entry (and a row update) only when the granted
// scopes shrink; thousands of unchanged or widening notices write nothing.
func TestScopeNoticesRecordOnlyChanges(t *testing.T) {
	h := newHarness(t)
	l := h.join(h.invite("shell", "diagnostics"), "shell", "diagnostics")
	notice := func(granted ...string) {
		t.Helper()
		p, _ := json.Marshal(wire.ScopesNotice{Granted: granted})
		if ok, _, err := l.sc.SendRequest(wire.RequestScopes, true, p); err != nil || !ok {
			t.Fatalf("scopes notice %v: ok=%v err=%v", granted, ok, err)
		}
	}
	steps := []struct {
		name    string
		granted []string
		times   int
		want    int // scope.revoke entries so far
	}{
		{"unchanged", []string{"diagnostics", "shell"}, 1500, 0},
		{"widening", []string{"diagnostics", "screen", "shell"}, 500, 0},
		{"drop diagnostics", []string{"shell"}, 1, 1},
		{"unchanged after the drop", []string{"shell"}, 500, 1},
		{"asking diagnostics back", []string{"diagnostics", "shell"}, 500, 1},
		{"drop everything", nil, 1, 2},
		{"nothing left to drop", nil, 100, 2},
	}
	for _, st := range steps {
		for range st.times {
			notice(st.granted...)
		}
		if got := h.audit.count(audit.ActionScopeRevoke); got != st.want {
			t.Errorf("after %s ×%d: %d scope.revoke entries, want %d", st.name, st.times, got, st.want)
		}
	}
}

// errName names a wanted error for got/want messages (a code-only
// *wire.Error has an empty message).
func errName(err error) string {
	var we *wire.Error
	if errors.As(err, &we) {
		return "the " + we.Code + " refusal"
	}
	if err == nil {
		return "success"
	}
	return err.Error()
}
