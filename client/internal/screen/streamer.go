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
	// Monitors are the monitors a viewer may pick (SetMonitor), in screen
	// pixels. Default: the Capturer's, when it is a MonitorLister. Cleaned
	// (clipped, at most 16, printable names); a single monitor covering the
	// whole screen counts as none. The stream starts with the whole screen.
	Monitors []Monitor
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
	if c.Monitors == nil {
		if ml, ok := c.Capturer.(MonitorLister); ok {
			if ms, err := ml.Monitors(); err == nil {
				c.Monitors = ms
			} else {
				c.Log.Debug("list monitors", "err", err) // the whole screen is still shared
			}
		}
	}
	c.Monitors = cleanMonitors(c.Monitors, w, h)
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
	want     int             // monitor asked for (SetMonitor); applied by step
	area     image.Rectangle // streamed area of the screen; written by step
	monitor  int             // monitor streamed (wire.ScreenAllMonitors: all); written by step

	// full is the whole screen when a monitor is cropped out of it (nil
	// while the whole screen is streamed into cur directly). Owned by Run.
	full *image.RGBA

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
		want:     wire.ScreenAllMonitors,
		monitor:  wire.ScreenAllMonitors,
		area:     image.Rect(0, 0, w, h),
	}, nil
}

// Size returns the size of the area being streamed (the whole screen or
// the chosen monitor).
func (s *Streamer) Size() (w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.area.Dx(), s.area.Dy()
}

// Monitors returns the monitors a viewer may pick (nil: the whole screen only).
func (s *Streamer) Monitors() []Monitor { return s.cfg.Monitors }

// Monitor returns the monitor being streamed and its rectangle on the
// screen (wire.ScreenAllMonitors and the whole screen by default).
func (s *Streamer) Monitor() (int, image.Rectangle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.monitor, s.area
}

// SetMonitor streams monitor i (an index into Monitors) or, with
// wire.ScreenAllMonitors, the whole screen, from the next frame: a
// keyframe of the new size. An index it does not have is an error and
// changes nothing.
func (s *Streamer) SetMonitor(i int) error {
	if i != wire.ScreenAllMonitors && (i < 0 || i >= len(s.cfg.Monitors)) {
		return fmt.Errorf("screen: no monitor %d (the screen has %d)", i, len(s.cfg.Monitors))
	}
	s.mu.Lock()
	s.want, s.forceKey = i, true
	s.mu.Unlock()
	s.poke()
	return nil
}

// applyMonitor switches the streamed area to monitor i; the caller (step)
// owns the images. The next frame is a keyframe of the new size.
func (s *Streamer) applyMonitor(i int) {
	area := image.Rect(0, 0, s.w, s.h)
	if i != wire.ScreenAllMonitors {
		area = s.cfg.Monitors[i].Rect
	}
	if area == image.Rect(0, 0, s.w, s.h) {
		s.full = nil
	} else if s.full == nil {
		s.full = image.NewRGBA(image.Rect(0, 0, s.w, s.h))
	}
	size := image.Rect(0, 0, area.Dx(), area.Dy())
	s.prev, s.cur = image.NewRGBA(size), image.NewRGBA(size)
	s.havePrev = false
	s.mu.Lock()
	s.monitor, s.area = i, area
	s.mu.Unlock()
	s.log.Debug("monitor changed", "monitor", i, "area", area.String())
}

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
	s.mu.Lock()
	want, monitor := s.want, s.monitor
	s.mu.Unlock()
	if want != monitor {
		s.applyMonitor(want)
	}
	if s.full != nil {
		if err := s.cfg.Capturer.Capture(s.full); err != nil {
			return nil, err
		}
		cropInto(s.cur, s.full, s.area)
	} else if err := s.cfg.Capturer.Capture(s.cur); err != nil {
		return nil, err
	}
	w, h := s.cur.Rect.Dx(), s.cur.Rect.Dy()
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
		rects = allTiles(w, h, s.cfg.Tile)
	} else {
		rects = changedTiles(s.prev, s.cur, s.cfg.Tile)
		if len(rects) == 0 {
			return nil, nil
		}
	}
	f := &wire.ScreenFrame{
		Seq: s.seq, TimeMS: uint64(max(now.Sub(s.start), 0) / time.Millisecond),
		Width: uint16(w), Height: uint16(h), Key: key,
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
