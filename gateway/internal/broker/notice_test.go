package broker

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// TestEndNoticeFromTheAgent: the reason of the agent's end notice is what
// the session ends with, cleaned and bounded; a notice that does not parse
// still ends the session, as ended by the user.
func TestEndNoticeFromTheAgent(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"the usual", wire.EndNotice{Reason: "ended by user"}.Marshal(), "ended by user"},
		{"own words", wire.EndNotice{Reason: "closed the window"}.Marshal(), "ended by user: closed the window"},
		{"control characters", wire.EndNotice{Reason: "bye\x1b[2J\r\n"}.Marshal(), "ended by user: bye[2J"},
		{"long reason", wire.EndNotice{Reason: strings.Repeat("x", 500)}.Marshal(), "ended by user: " + strings.Repeat("x", wire.MaxEndReason)},
		{"no reason", []byte(`{}`), "ended by user"},
		{"not JSON", []byte("goodbye"), "ended by user"},
		{"empty", nil, "ended by user"},
		{"oversized", []byte(`{"reason":"` + strings.Repeat("y", wire.MaxEndNotice) + `"}`), "ended by user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			l := h.join(h.invite("shell"), "shell")
			live, err := h.b.Live(l.welcome.SessionID)
			if err != nil {
				t.Fatal(err)
			}
			if ok, _, err := l.sc.SendRequest(wire.RequestEnd, true, tc.payload); err != nil || !ok {
				t.Fatalf("end notice: ok=%v err=%v, want accepted", ok, err)
			}
			<-live.Done()
			if !errors.Is(live.Cause(), cause.UserEnded) {
				t.Errorf("cause = %v, want one that is cause.UserEnded", live.Cause())
			}
			l.close()
			h.waitState(l.welcome.SessionID, store.SessionEnded)
			s, err := h.st.Session(context.Background(), l.welcome.SessionID)
			if err != nil {
				t.Fatal(err)
			}
			if s.EndReason != tc.want {
				t.Errorf("end reason = %q, want %q", s.EndReason, tc.want)
			}
		})
	}
}

// TestScopesNoticeRefusedWhenItDoesNotParse: a scopes notice naming an
// unknown scope, or not JSON, is answered false and changes nothing.
func TestScopesNoticeRefusedWhenItDoesNotParse(t *testing.T) {
	h := newHarness(t)
	l := h.join(h.invite("shell", "diagnostics"), "shell", "diagnostics")
	for _, p := range []string{`{"granted":["root"]}`, `shell`, `{"granted":["shell"` + strings.Repeat(" ", wire.MaxScopesNotice) + `]}`} {
		if ok, _, err := l.sc.SendRequest(wire.RequestScopes, true, []byte(p)); err != nil || ok {
			t.Errorf("scopes notice %.40q: ok=%v err=%v, want refused", p, ok, err)
		}
	}
	live, err := h.b.Live(l.welcome.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(live.Granted().Strings(), ","); got != "diagnostics,shell" {
		t.Errorf("granted = %s, want diagnostics,shell unchanged", got)
	}
}

// TestRefusedChannelSaysNotGranted: the test agent refuses every channel as
// prohibited, which is how a real agent refuses a scope not granted.
func TestRefusedChannelSaysNotGranted(t *testing.T) {
	h := newHarness(t)
	l := h.join(h.invite("shell"), "shell")
	live, err := h.b.Live(l.welcome.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = live.openChannel(wire.ChannelDiag, "Alice", "diagnostics")
	var re *RefusedError
	if !errors.As(err, &re) || !re.NotGranted {
		t.Fatalf("OpenChannel refused: err = %#v, want a *RefusedError with NotGranted", err)
	}
}
