package auth

import (
	"container/list"
	"sync"
	"time"
)

// Limiter defaults.
const (
	DefaultLimiterBurst   = 5
	DefaultLimiterEvery   = time.Minute
	DefaultLimiterMaxKeys = 100_000
	// pruneBatch is how many idle buckets one Allow call may drop.
	pruneBatch = 4
)

// LimiterConfig configures NewLimiter.
type LimiterConfig struct {
	// Burst is how many attempts a fresh key may make at once;
	// DefaultLimiterBurst when 0.
	Burst int
	// Every is how long it takes to regain one attempt;
	// DefaultLimiterEvery when 0.
	Every time.Duration
	// MaxKeys bounds memory: when a new key would exceed it, the key used
	// least recently is forgotten. DefaultLimiterMaxKeys when 0.
	MaxKeys int
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
}

// Limiter is a token bucket per key (a user name, an address), for login
// attempts. Buckets refill lazily on use; there is no background goroutine.
// Buckets that have refilled completely are dropped as they are met, and
// the map never holds more than MaxKeys buckets, so an attacker spraying
// keys costs bounded memory (at the price of evicting old entries).
// It is safe for concurrent use.
type Limiter struct {
	cfg LimiterConfig

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	lru     *list.List               // front = most recently used
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// NewLimiter returns a Limiter with cfg's defaults filled in.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultLimiterBurst
	}
	if cfg.Every <= 0 {
		cfg.Every = DefaultLimiterEvery
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultLimiterMaxKeys
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Limiter{cfg: cfg, buckets: map[string]*list.Element{}, lru: list.New()}
}

// Allow takes one attempt from key's bucket. When the bucket is empty it
// returns false and how long until the next attempt is allowed.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.cfg.Clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	e, found := l.buckets[key]
	if !found {
		if l.lru.Len() >= l.cfg.MaxKeys {
			l.remove(l.lru.Back())
		}
		e = l.lru.PushFront(&bucket{key: key, tokens: float64(l.cfg.Burst), last: now})
		l.buckets[key] = e
	}
	l.lru.MoveToFront(e)
	b := e.Value.(*bucket)
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) * float64(l.cfg.Every))
	if wait <= 0 {
		wait = time.Nanosecond
	}
	return false, wait
}

// Reset forgets key, typically after a successful login.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.buckets[key]; ok {
		l.remove(e)
	}
}

// Len returns how many keys are tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// refill adds the tokens regained since b.last, up to Burst. A clock that
// goes backwards regains nothing.
func (l *Limiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens += float64(elapsed) / float64(l.cfg.Every)
		if max := float64(l.cfg.Burst); b.tokens > max {
			b.tokens = max
		}
		b.last = now
	}
}

// prune drops up to pruneBatch least recently used buckets that are full
// again: forgetting them changes nothing.
func (l *Limiter) prune(now time.Time) {
	full := time.Duration(l.cfg.Burst) * l.cfg.Every
	for range pruneBatch {
		e := l.lru.Back()
		if e == nil || now.Sub(e.Value.(*bucket).last) < full {
			return
		}
		l.remove(e)
	}
}

func (l *Limiter) remove(e *list.Element) {
	delete(l.buckets, e.Value.(*bucket).key)
	l.lru.Remove(e)
}
