package auth

import (
	"container/list"
	"math"
	"sync"
	"time"
)

// Limiter defaults.
const (
	DefaultLimiterBurst   = 5
	DefaultLimiterEvery   = time.Minute
	DefaultLimiterMaxKeys = 100_000
	// Slow-down defaults (see Limiter.Slow, Hold and Vouch).
	DefaultSlowStep        = 250 * time.Millisecond
	DefaultSlowMax         = 2 * time.Second
	DefaultSlowConcurrency = 2
	DefaultVouchFor        = 30 * 24 * time.Hour
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

	// SlowStep is the delay Slow asks for per attempt owed beyond the
	// bucket; DefaultSlowStep when 0.
	SlowStep time.Duration
	// SlowMax caps Slow's delay (and so the debt a key can run up);
	// DefaultSlowMax when 0.
	SlowMax time.Duration
	// SlowConcurrency is how many delayed attempts Hold lets wait at once
	// per key; DefaultSlowConcurrency when 0.
	SlowConcurrency int
	// VouchFor is how long Vouch remembers a key; DefaultVouchFor when 0.
	VouchFor time.Duration
}

// Limiter is a token bucket per key (a user name, an address), for login
// attempts. Buckets refill lazily on use; there is no background goroutine.
// Buckets that have refilled completely are dropped as they are met, and
// the map never holds more than MaxKeys buckets, so an attacker spraying
// keys costs bounded memory (at the price of evicting old entries).
// Besides refusing (Allow), a Limiter can slow a key down instead (Slow,
// with Hold bounding how many slowed attempts wait at once) and remember
// keys it has reason to trust (Vouch): the login handler refuses per address
// and per account+address, and only slows down per account, so guessing
// from many addresses cannot lock the real user out.
// It is safe for concurrent use.
type Limiter struct {
	cfg LimiterConfig

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	lru     *list.List               // front = most recently used

	inflight map[string]int           // Hold's slots taken, per key; no zero entries
	vouched  map[string]*list.Element // of *vouch
	vlru     *list.List               // front = vouched most recently
}

type vouch struct {
	key string
	at  time.Time
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
	if cfg.SlowStep <= 0 {
		cfg.SlowStep = DefaultSlowStep
	}
	if cfg.SlowMax <= 0 {
		cfg.SlowMax = DefaultSlowMax
	}
	if cfg.SlowConcurrency <= 0 {
		cfg.SlowConcurrency = DefaultSlowConcurrency
	}
	if cfg.VouchFor <= 0 {
		cfg.VouchFor = DefaultVouchFor
	}
	return &Limiter{cfg: cfg, buckets: map[string]*list.Element{}, lru: list.New(),
		inflight: map[string]int{}, vouched: map[string]*list.Element{}, vlru: list.New()}
}

// Allow takes one attempt from key's bucket. When the bucket is empty it
// returns false and how long until the next attempt is allowed.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.cfg.Clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
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

// Slow takes one attempt from key's bucket and never refuses. While the
// bucket holds a token the attempt is free (0); after that each attempt
// owes one more, and Slow returns how long the caller should make it wait:
// SlowStep per token owed, up to SlowMax. The debt stops growing at
// SlowMax/SlowStep tokens, so a key that goes quiet is free again after
// about (Burst + SlowMax/SlowStep) × Every. Use it where refusing would
// lock out the innocent (an account name anyone can type) and combine it
// with Hold, so waiting attempts cannot pile up.
func (l *Limiter) Slow(key string) time.Duration {
	now := l.cfg.Clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	if floor := -math.Ceil(float64(l.cfg.SlowMax) / float64(l.cfg.SlowStep)); b.tokens < floor {
		b.tokens = floor
	}
	return min(time.Duration(-b.tokens*float64(l.cfg.SlowStep)), l.cfg.SlowMax)
}

// Hold claims one of key's SlowConcurrency slots for an attempt about to
// wait out Slow's delay. It returns ok false when every slot is taken;
// otherwise the caller must call release (once; later calls do nothing).
// The slots bound how many guesses a distributed guesser gets per delay.
func (l *Limiter) Hold(key string) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight[key] >= l.cfg.SlowConcurrency {
		return func() {}, false
	}
	l.inflight[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.inflight[key]--; l.inflight[key] <= 0 {
				delete(l.inflight, key)
			}
		})
	}, true
}

// Vouch remembers key for VouchFor (e.g. an account and the address it
// just signed in from), so Vouched can exempt it from a slow-down meant for
// strangers. At most MaxKeys keys are remembered; the oldest go first.
func (l *Limiter) Vouch(key string) {
	now := l.cfg.Clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.vouched[key]; ok {
		e.Value.(*vouch).at = now
		l.vlru.MoveToFront(e)
		return
	}
	if l.vlru.Len() >= l.cfg.MaxKeys {
		l.unvouch(l.vlru.Back())
	}
	l.vouched[key] = l.vlru.PushFront(&vouch{key: key, at: now})
}

// Vouched reports whether key was vouched for within VouchFor.
func (l *Limiter) Vouched(key string) bool {
	now := l.cfg.Clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.vouched[key]
	if !ok {
		return false
	}
	if now.Sub(e.Value.(*vouch).at) >= l.cfg.VouchFor {
		l.unvouch(e)
		return false
	}
	return true
}

func (l *Limiter) unvouch(e *list.Element) {
	delete(l.vouched, e.Value.(*vouch).key)
	l.vlru.Remove(e)
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

// bucket returns key's bucket, refilled to now and marked most recently
// used, creating a full one (and making room) when key is new. l.mu is held.
func (l *Limiter) bucket(key string, now time.Time) *bucket {
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
	return b
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
// again (a debt run up through Slow included): forgetting them changes
// nothing.
func (l *Limiter) prune(now time.Time) {
	for range pruneBatch {
		e := l.lru.Back()
		if e == nil {
			return
		}
		b := e.Value.(*bucket)
		if b.tokens+float64(now.Sub(b.last))/float64(l.cfg.Every) < float64(l.cfg.Burst) {
			return
		}
		l.remove(e)
	}
}

func (l *Limiter) remove(e *list.Element) {
	delete(l.buckets, e.Value.(*bucket).key)
	l.lru.Remove(e)
}
