package api

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/auth"
)

// testClock is a settable clock for the limiter.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// TestThrottleLogin drives throttleLogin with requests from fake addresses:
// the guesser's address is refused, the account only slows down, and the
// real user's own (vouched) address passes even with the account's waiting
// slots taken.
func TestThrottleLogin(t *testing.T) {
	c := &testClock{t: time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)}
	lim := auth.NewLimiter(auth.LimiterConfig{Burst: 3, Every: time.Minute, SlowStep: time.Millisecond, SlowMax: 4 * time.Millisecond, SlowConcurrency: 1, Clock: c.Now})
	a := &API{cfg: Config{LoginLimiter: lim}}
	try := func(addr string) (bool, int) {
		r := httptest.NewRequest("POST", "/api/v1/login", nil)
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		_, ok := a.throttleLogin(w, r, "admin")
		return ok, w.Code
	}
	steps := []struct {
		addr     string
		wantOK   bool
		wantCode int
	}{
		{"192.0.2.9:1000", true, 200}, // the real user signs in (vouched below)
		{"198.51.100.1:1", true, 200}, // a guesser's burst
		{"198.51.100.1:2", true, 200},
		{"198.51.100.1:3", true, 200},  // the account's burst is spent here (shared), but it only slows down
		{"198.51.100.1:4", false, 429}, // the guesser's address (and account+address) are spent: refused
		{"198.51.100.2:1", true, 200},  // another address: slowed, not refused
		{"198.51.100.3:1", true, 200},
	}
	for i, s := range steps {
		ok, code := try(s.addr)
		if ok != s.wantOK || code != s.wantCode {
			t.Errorf("step %d from %s: got ok=%v status %d, want ok=%v status %d", i, s.addr, ok, code, s.wantOK, s.wantCode)
		}
		if i == 0 {
			lim.Vouch("pair:admin|192.0.2.9")
		}
	}

	// The only waiting slot is taken: a stranger is refused, the real user
	// from their own address is not.
	release, held := lim.Hold("user:admin")
	if !held {
		t.Fatal("Hold: refused, want the slot")
	}
	defer release()
	if ok, code := try("203.0.113.7:5"); ok || code != 429 {
		t.Errorf("stranger with the account's slot taken: got ok=%v %d, want refused 429", ok, code)
	}
	if ok, code := try("192.0.2.9:2000"); !ok || code != 200 {
		t.Errorf("real user from their vouched address: got ok=%v %d, want through", ok, code)
	}

	// A caller that gives up while waiting is let go unanswered.
	release()
	r := httptest.NewRequest("POST", "/api/v1/login", nil)
	r.RemoteAddr = "203.0.113.8:1"
	ctx, cancel := context.WithCancel(r.Context())
	cancel()
	w := httptest.NewRecorder()
	if _, ok := a.throttleLogin(w, r.WithContext(ctx), "admin"); ok {
		t.Error("cancelled request: throttleLogin let it through, want it dropped")
	}
}
