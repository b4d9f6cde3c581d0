package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestLimiterBucket(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	l := NewLimiter(LimiterConfig{Burst: 3, Every: 10 * time.Second, Clock: c.Now})
	type step struct {
		advance   time.Duration
		key       string
		reset     bool
		wantOK    bool
		wantRetry time.Duration
	}
	steps := []step{
		{key: "alice", wantOK: true},
		{key: "alice", wantOK: true},
		{key: "alice", wantOK: true},
		{key: "alice", wantOK: false, wantRetry: 10 * time.Second},
		{key: "bob", wantOK: true}, // keys are independent
		{advance: 4 * time.Second, key: "alice", wantOK: false, wantRetry: 6 * time.Second},
		{advance: 6 * time.Second, key: "alice", wantOK: true}, // one token regained
		{key: "alice", wantOK: false, wantRetry: 10 * time.Second},
		{advance: -time.Hour, key: "alice", wantOK: false, wantRetry: 10 * time.Second}, // clock went back: nothing regained
		{advance: time.Hour},
		{advance: 25 * time.Second, key: "alice", wantOK: true},
		{key: "alice", wantOK: true},
		{key: "alice", wantOK: false, wantRetry: 5 * time.Second},
		{key: "alice", reset: true},
		{key: "alice", wantOK: true}, // reset: full burst again
		{key: "alice", wantOK: true},
		{key: "alice", wantOK: true},
		{key: "alice", wantOK: false, wantRetry: 10 * time.Second},
		{advance: time.Hour, key: "alice", wantOK: true}, // refill caps at burst
		{key: "alice", wantOK: true},
		{key: "alice", wantOK: true},
		{key: "alice", wantOK: false, wantRetry: 10 * time.Second},
	}
	for i, s := range steps {
		c.Advance(s.advance)
		if s.key == "" {
			continue
		}
		if s.reset {
			l.Reset(s.key)
			continue
		}
		ok, retry := l.Allow(s.key)
		if ok != s.wantOK || retry != s.wantRetry {
			t.Errorf("step %d: Allow(%q) = %v, %v; want %v, %v", i, s.key, ok, retry, s.wantOK, s.wantRetry)
		}
	}
}

func TestLimiterEvictsLeastRecentlyUsed(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	l := NewLimiter(LimiterConfig{Burst: 1, Every: time.Hour, MaxKeys: 3, Clock: c.Now})
	for _, k := range []string{"a", "b", "c"} {
		if ok, _ := l.Allow(k); !ok {
			t.Fatalf("first Allow(%q) refused", k)
		}
	}
	l.Allow("a") // refused, but marks a as recently used
	l.Allow("d") // evicts b, the least recently used
	if got := l.Len(); got != 3 {
		t.Errorf("Len = %d, want 3 (MaxKeys)", got)
	}
	if ok, _ := l.Allow("a"); ok {
		t.Error("a was evicted, want it kept (recently used)")
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("b is still limited, want it evicted (least recently used)")
	}
}

func TestLimiterDropsRefilledBuckets(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	l := NewLimiter(LimiterConfig{Burst: 2, Every: time.Minute, Clock: c.Now})
	for i := range 10 {
		l.Allow(fmt.Sprint("ip-", i))
	}
	c.Advance(2 * time.Minute) // every bucket is full again
	for range 3 {
		l.Allow("fresh")
	}
	if got := l.Len(); got != 1 {
		t.Errorf("Len = %d after idle buckets refilled, want 1 (idle buckets pruned, %d per call)", got, pruneBatch)
	}
}

func TestLimiterDefaults(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	if l.cfg.Burst != DefaultLimiterBurst || l.cfg.Every != DefaultLimiterEvery || l.cfg.MaxKeys != DefaultLimiterMaxKeys || l.cfg.Clock == nil {
		t.Errorf("defaults not applied: %+v", l.cfg)
	}
	if l.cfg.SlowStep != DefaultSlowStep || l.cfg.SlowMax != DefaultSlowMax || l.cfg.SlowConcurrency != DefaultSlowConcurrency || l.cfg.VouchFor != DefaultVouchFor {
		t.Errorf("slow-down defaults not applied: %+v", l.cfg)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	l := NewLimiter(LimiterConfig{Burst: 50, Every: time.Hour, MaxKeys: 10, Clock: c.Now})
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				if ok, _ := l.Allow("shared"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
				l.Allow(fmt.Sprint(g, "-", i%5))
			}
		})
	}
	wg.Wait()
	// "shared" may be evicted by the churn of other keys and start again;
	// it can never get more than one burst per life, and MaxKeys holds.
	if allowed < 50 {
		t.Errorf("shared key allowed %d times, want at least one burst (50)", allowed)
	}
	if got := l.Len(); got > 10 {
		t.Errorf("Len = %d, want at most MaxKeys (10)", got)
	}
}

func TestLimiterSlow(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	l := NewLimiter(LimiterConfig{Burst: 2, Every: 10 * time.Second, SlowStep: 250 * time.Millisecond, SlowMax: time.Second, Clock: c.Now})
	steps := []struct {
		advance time.Duration
		want    time.Duration
	}{
		{0, 0}, // the burst is free
		{0, 0},
		{0, 250 * time.Millisecond}, // then each attempt owes one more step
		{0, 500 * time.Millisecond},
		{0, 750 * time.Millisecond},
		{0, time.Second},
		{0, time.Second}, // capped at SlowMax, and so is the debt
		{0, time.Second},
		{10 * time.Second, time.Second}, // one token paid back: debt 4 -> 3, then owes 4 again
		{20 * time.Second, 750 * time.Millisecond}, // two paid back
		{80 * time.Second, 0},                      // debt paid and burst regained
	}
	for i, s := range steps {
		c.Advance(s.advance)
		if got := l.Slow("acct"); got != s.want {
			t.Errorf("step %d: Slow = %v, want %v", i, got, s.want)
		}
	}
	// Slow never refuses, but Allow on the same key sees the debt.
	for range 10 {
		l.Slow("acct")
	}
	if ok, retry := l.Allow("acct"); ok || retry != 50*time.Second {
		t.Errorf("Allow after a debt of 4: got %v, %v; want refused for 50s", ok, retry)
	}
}

func TestLimiterHold(t *testing.T) {
	l := NewLimiter(LimiterConfig{SlowConcurrency: 2})
	r1, ok1 := l.Hold("acct")
	r2, ok2 := l.Hold("acct")
	_, ok3 := l.Hold("acct")
	_, other := l.Hold("other")
	if !ok1 || !ok2 || ok3 || !other {
		t.Fatalf("Hold x3 on acct, x1 on other = %v %v %v %v; want true true false true", ok1, ok2, ok3, other)
	}
	r1()
	r1() // a second release of the same slot frees nothing more
	if _, ok := l.Hold("acct"); !ok {
		t.Error("Hold after a release: refused, want a slot")
	}
	if _, ok := l.Hold("acct"); ok {
		t.Error("Hold with both slots taken again: granted, want refused (double release freed two)")
	}
	r2()
}

func TestLimiterVouch(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	l := NewLimiter(LimiterConfig{VouchFor: time.Hour, MaxKeys: 2, Clock: c.Now})
	if l.Vouched("a") {
		t.Error("Vouched(a) before Vouch: true")
	}
	l.Vouch("a")
	c.Advance(59 * time.Minute)
	if !l.Vouched("a") {
		t.Error("Vouched(a) within VouchFor: false")
	}
	c.Advance(time.Minute)
	if l.Vouched("a") {
		t.Error("Vouched(a) after VouchFor: true")
	}
	l.Vouch("a")
	l.Vouch("b")
	l.Vouch("c") // MaxKeys 2: a, the oldest, goes
	if l.Vouched("a") || !l.Vouched("b") || !l.Vouched("c") {
		t.Errorf("after vouching a, b, c with MaxKeys 2: a=%v b=%v c=%v, want false true true", l.Vouched("a"), l.Vouched("b"), l.Vouched("c"))
	}
}

func TestLimiterHoldConcurrent(t *testing.T) {
	l := NewLimiter(LimiterConfig{SlowConcurrency: 3})
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		inside, maxSeen int
	)
	for range 16 {
		wg.Go(func() {
			for range 200 {
				release, ok := l.Hold("acct")
				if !ok {
					continue
				}
				mu.Lock()
				inside++
				maxSeen = max(maxSeen, inside)
				mu.Unlock()
				mu.Lock()
				inside--
				mu.Unlock()
				release()
			}
		})
	}
	wg.Wait()
	if maxSeen > 3 {
		t.Errorf("at most %d holders at once, want at most SlowConcurrency (3)", maxSeen)
	}
	if _, ok := l.Hold("acct"); !ok {
		t.Error("Hold after every release: refused, want a slot")
	}
	l.mu.Lock()
	n := l.inflight["acct"]
	l.mu.Unlock()
	if n != 1 {
		t.Errorf("inflight after one Hold = %d, want 1 (no slot leaked)", n)
	}
}
