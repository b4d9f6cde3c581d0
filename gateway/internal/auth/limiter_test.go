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
