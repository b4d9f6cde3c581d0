package screen

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// Clock tells the time; tests inject a fake one.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Streamer defaults and limits.
const (
	DefaultFPS           = 15
	MaxFPS               = 30
	DefaultTile          = 64
	DefaultQuality       = 70
	DefaultKeyframeEvery = 5 * time.Second
	qualityDown          = 10 // step when a frame took longer than its interval to send
	qualityUp            = 5  // step after fastFrames quick sends in a row
	fastFrames           = 10
)

// StreamerConfig configures a Streamer.
type StreamerConfig struct {
	// Capturer supplies the screen. Required; the Streamer does not close it.
	Capturer Capturer
	// FPS is the highest frame rate (default 15, at most 30). Frames are
	// only sent when something changed.
	FPS int
	// Tile is the side of the square tiles compared and sent (default 64,
	// 8..512). It grows for huge screens so a frame has at most 4096 tiles.
	Tile int
	// Quality is the starting JPEG quality and the ceiling adaptation
	// climbs back to (default 70, 30..90).
	Quality int
	// KeyframeEvery is the longest time between keyframes while the picture
	// changes (default 5s; a still screen sends none), so
	// a late viewer or a replay can start anywhere.
	KeyframeEvery time.Duration
	// Clock gives frame timestamps and the keyframe schedule (default: real time).
	Clock Clock
	// Log receives debug events (default: discarded).
	Log *slog.Logger
}

// CheckAndSetDefaults fills in defaults and checks ranges.
func (c *StreamerConfig) CheckAndSetDefaults() error {
	if c.Capturer == nil {
		return errors.New("screen: streamer: Capturer is required")
	}
	if c.FPS == 0 {
		c.FPS = DefaultFPS
	}
	if c.Tile == 0 {
		c.Tile = DefaultTile
	}
	if c.Quality == 0 {
		c.Quality = DefaultQuality
	}
	if c.KeyframeEvery == 0 {
		c.KeyframeEvery = DefaultKeyframeEvery
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	switch {
	case c.FPS < 1 || c.FPS > MaxFPS:
		return fmt.Errorf("screen: streamer: FPS %d out of range (1..%d)", c.FPS, MaxFPS)
	case c.Tile < 8 || c.Tile > 512:
		return fmt.Errorf("screen: streamer: tile size %d out of range (8..512)", c.Tile)
	case c.Quality < wire.ScreenQualityMin || c.Quality > wire.ScreenQualityMax:
		return fmt.Errorf("screen: streamer: quality %d out of range (%d..%d)", c.Quality, wire.ScreenQualityMin, wire.ScreenQualityMax)
	case c.KeyframeEvery < 0:
		return fmt.Errorf("screen: streamer: negative keyframe interval %v", c.KeyframeEvery)
	}
	w, h := c.Capturer.Size()
	if w < 1 || h < 1 || w > wire.ScreenMaxDimension || h > wire.ScreenMaxDimension {
		return fmt.Errorf("screen: streamer: screen size %dx%d out of range", w, h)
	}
	for ((w+c.Tile-1)/c.Tile)*((h+c.Tile-1)/c.Tile) > wire.ScreenMaxTiles {
		c.Tile *= 2
	}
	return nil
}

// Streamer turns captures into wire frames: paced, diffed by tile, JPEG
// encoded, with quality adapted to how fast the consumer takes frames.
type Streamer struct {
	cfg      StreamerConfig
	w, h     int
	interval time.Duration
	log      *slog.Logger

	mu       sync.Mutex
	paused   bool
	forceKey bool
	ceiling  int // quality the viewer asked for
	quality  int // quality in use, <= ceiling
	fast     int // quick sends in a row
	wake     chan struct{}

	// Owned by the goroutine in Run (or the test calling step).
	prev, cur *image.RGBA
	havePrev  bool
	start     time.Time
	lastKey   time.Time
	// changedSinceKey: a delta frame was sent after the last keyframe.
	changedSinceKey bool
	seq             uint32
}

// NewStreamer checks cfg and returns a Streamer; Run starts it.
func NewStreamer(cfg StreamerConfig) (*Streamer, error) {
	if err := cfg.CheckAndSetDefaults(); err != nil {
		return nil, err
	}
	w, h := cfg.Capturer.Size()
	return &Streamer{
		cfg: cfg, w: w, h: h,
		interval: time.Second / time.Duration(cfg.FPS),
		log:      cfg.Log.With("component", "screen"),
		ceiling:  cfg.Quality,
		quality:  cfg.Quality,
		wake:     make(chan struct{}, 1),
		prev:     image.NewRGBA(image.Rect(0, 0, w, h)),
		cur:      image.NewRGBA(image.Rect(0, 0, w, h)),
	}, nil
}

// Size returns the screen size being streamed.
func (s *Streamer) Size() (w, h int) { return s.w, s.h }

// RequestKeyframe makes the next frame a keyframe.
func (s *Streamer) RequestKeyframe() {
	s.mu.Lock()
	s.forceKey = true
	s.mu.Unlock()
	s.poke()
}

// SetQuality sets the JPEG quality ceiling (clamped to 30..90) and uses it
// from the next frame; adaptation may lower it again under backpressure.
func (s *Streamer) SetQuality(q int) {
	q = min(max(q, wire.ScreenQualityMin), wire.ScreenQualityMax)
	s.mu.Lock()
	s.ceiling, s.quality, s.fast = q, q, 0
	s.mu.Unlock()
}

// Quality returns the JPEG quality in use.
func (s *Streamer) Quality() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quality
}

// Pause stops capturing until Resume.
func (s *Streamer) Pause() {
	s.mu.Lock()
	s.paused = true
	s.mu.Unlock()
}

// Resume captures again, starting with a keyframe.
func (s *Streamer) Resume() {
	s.mu.Lock()
	s.paused, s.forceKey = false, true
	s.mu.Unlock()
	s.poke()
}

func (s *Streamer) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run captures at most FPS times a second and calls out with every frame
// that has something to show, until ctx is done (it then returns nil) or a
// capture, an encode or out fails (it returns that error). out is called
// from Run's goroutine only and owns the frame it gets. The time out takes
// is the bandwidth signal: slower than a frame interval lowers the quality
// by 10, ten quick calls in a row (under a quarter interval) raise it by 5.
func (s *Streamer) Run(ctx context.Context, out func(*wire.ScreenFrame) error) error {
	s.start = s.cfg.Clock.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var next time.Time // earliest next capture, so wakes cannot exceed FPS
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-s.wake:
			// A keyframe request or a resume: capture now unless that
			// would beat the frame rate.
			timer.Stop()
			if wait := time.Until(next); wait > 0 {
				timer.Reset(wait)
				continue
			}
		}
		if s.isPaused() {
			continue // the timer is stopped; a Resume wakes us
		}
		began := time.Now()
		next = began.Add(s.interval)
		f, err := s.step()
		if err != nil {
			return err
		}
		if f != nil {
			sent := time.Now()
			if err := out(f); err != nil {
				return fmt.Errorf("screen: send frame %d: %w", f.Seq, err)
			}
			s.adapt(time.Since(sent))
		}
		timer.Reset(max(time.Until(next), time.Millisecond))
	}
}

func (s *Streamer) isPaused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paused
}

// step captures once and returns the frame to send, or nil when nothing changed.
func (s *Streamer) step() (*wire.ScreenFrame, error) {
	if err := s.cfg.Capturer.Capture(s.cur); err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	// A periodic keyframe is due only if the picture changed since the last
	// one: a still screen's last keyframe is still a valid starting point for
	// a viewer or a replay, so an idle screen sends nothing at all.
	periodic := s.cfg.KeyframeEvery > 0 && now.Sub(s.lastKey) >= s.cfg.KeyframeEvery
	key := s.forceKey || !s.havePrev || periodic && s.changedSinceKey
	s.forceKey = false
	q := s.quality
	s.mu.Unlock()

	var rects []image.Rectangle
	if key {
		rects = allTiles(s.w, s.h, s.cfg.Tile)
	} else {
		rects = changedTiles(s.prev, s.cur, s.cfg.Tile)
		if len(rects) == 0 {
			return nil, nil
		}
	}
	f := &wire.ScreenFrame{
		Seq: s.seq, TimeMS: uint64(max(now.Sub(s.start), 0) / time.Millisecond),
		Width: uint16(s.w), Height: uint16(s.h), Key: key,
	}
	for {
		tiles, err := encodeTiles(s.cur, rects, q)
		if err != nil {
			return nil, err
		}
		f.Tiles = tiles
		if f.Size() <= wire.ScreenMaxFrame {
			break
		}
		if q <= wire.ScreenQualityMin {
			return nil, fmt.Errorf("screen: frame of %d bytes exceeds %d even at quality %d", f.Size(), wire.ScreenMaxFrame, q)
		}
		q = max(q-20, wire.ScreenQualityMin)
	}
	s.prev, s.cur = s.cur, s.prev
	s.havePrev = true
	s.seq++
	if key {
		s.lastKey, s.changedSinceKey = now, false
	} else {
		s.changedSinceKey = true
	}
	return f, nil
}

// adapt moves the quality after a frame took d to send.
func (s *Streamer) adapt(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.quality
	switch {
	case d > s.interval:
		s.quality = max(s.quality-qualityDown, wire.ScreenQualityMin)
		s.fast = 0
	case d < s.interval/4:
		s.fast++
		if s.fast >= fastFrames {
			s.quality = min(s.quality+qualityUp, s.ceiling)
			s.fast = 0
		}
	default:
		s.fast = 0
	}
	if s.quality != old {
		s.log.Debug("quality changed", "from", old, "to", s.quality, "send_ms", d.Milliseconds())
	}
}
