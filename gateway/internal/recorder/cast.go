package recorder

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Sink is where a Cast writes: a blob writer (blob.CommitOnClose) or an *os.File. Sync must make
// everything written so far durable.
type Sink interface {
	io.Writer
	Sync() error
	Close() error
}

// Header is the first line of an asciicast v2 file.
type Header struct {
	Version   int               `json:"version"` // always 2
	Width     int               `json:"width"`   // terminal columns at start
	Height    int               `json:"height"`  // terminal rows at start
	Timestamp int64             `json:"timestamp,omitempty"`
	Title     string            `json:"title,omitempty"`
	Env       map[string]string `json:"env,omitempty"` // TERM, SHELL
}

// Mode says what a write error does to the session.
type Mode int

const (
	// Strict returns write errors to the caller, who must end the shell:
	// no recording, no session. The default.
	Strict Mode = iota
	// BestEffort logs the first write error once, marks the recording
	// failed (Close reports it) and lets the session continue unrecorded.
	BestEffort
)

func (m Mode) String() string {
	switch m {
	case Strict:
		return "strict"
	case BestEffort:
		return "best-effort"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// CastOptions configures a Cast. The zero value is usable.
type CastOptions struct {
	// Clock gives event times; default time.Now.
	Clock func() time.Time
	// FlushEvery bounds how long written events may sit in memory before
	// they are written to the sink and synced; default 1s.
	FlushEvery time.Duration
	// Mode is Strict (default) or BestEffort.
	Mode Mode
	// Log receives the BestEffort failure message; default discards.
	Log *slog.Logger
	// Signer, if set, signs the file's SHA-256 at Close (Seal.Signature).
	Signer func(sum [32]byte) (sig []byte, err error)
}

const (
	defaultFlushEvery = time.Second
	bufferSize        = 32 << 10
	// maxEventData is the most input bytes one event carries; longer writes
	// are split so no line can exceed ReadCast's default line limit (the
	// worst case, every byte a control character, is 6 bytes per byte).
	maxEventData = 64 << 10
	maxMarker    = 4 << 10
)

// Cast writes one asciicast v2 recording. It is safe for concurrent use.
// A nil *Cast records nothing and returns no errors, so callers can run
// without a recorder at no cost.
type Cast struct {
	mu      sync.Mutex
	opts    CastOptions
	sink    *hashSink
	bw      *bufio.Writer
	start   time.Time
	lastUS  int64 // last event time in microseconds; times never go back
	events  int
	held    [2]heldRune // incomplete trailing UTF-8 of output, input
	line    []byte      // scratch for encoding one event
	scratch []byte      // scratch for joining a held-back character
	timer   *time.Timer
	armed   bool  // timer will flush; set on the first write after a flush
	err     error // first write error (sticky)
	closed  bool
	seal    Seal
	cerr    error // what Close returned
	input   inputCount
}

// hashSink hashes and counts exactly the bytes the sink accepted.
type hashSink struct {
	w    Sink
	h    hash.Hash
	size int64
}

func (s *hashSink) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if n > 0 {
		s.h.Write(p[:n])
		s.size += int64(n)
	}
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

// NewCast writes h as the header line to w, syncs it and returns a Cast
// that appends events. Version 0 means 2, Timestamp 0 means now. On error
// w is not closed: it still belongs to the caller.
func NewCast(w Sink, h Header, opts CastOptions) (*Cast, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = defaultFlushEvery
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if h.Version == 0 {
		h.Version = 2
	}
	switch {
	case h.Version != 2:
		return nil, fmt.Errorf("recorder: header version %d, want 2", h.Version)
	case h.Width <= 0 || h.Height <= 0 || h.Width > maxDim || h.Height > maxDim:
		return nil, fmt.Errorf("recorder: header size %dx%d out of range", h.Width, h.Height)
	case opts.Mode != Strict && opts.Mode != BestEffort:
		return nil, fmt.Errorf("recorder: unknown %v", opts.Mode)
	}
	start := opts.Clock()
	if h.Timestamp == 0 {
		h.Timestamp = start.Unix()
	}
	line, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("recorder: encode header: %w", err)
	}
	sink := &hashSink{w: w, h: sha256.New()}
	if _, err := sink.Write(append(line, '\n')); err != nil {
		return nil, fmt.Errorf("recorder: write header: %w", err)
	}
	if err := w.Sync(); err != nil {
		return nil, fmt.Errorf("recorder: sync header: %w", err)
	}
	c := &Cast{
		opts:  opts,
		sink:  sink,
		bw:    bufio.NewWriterSize(sink, bufferSize),
		start: start,
		line:  make([]byte, 0, 512),
	}
	return c, nil
}

// Output records bytes the shell sent to the terminal as "o" events.
func (c *Cast) Output(p []byte) error {
	if c == nil {
		return nil
	}
	return c.data(streamOutput, p)
}

// Input records bytes typed by the technician as "i" events. Input the
// user's terminal does not show goes to HiddenInput instead.
func (c *Cast) Input(p []byte) error {
	if c == nil {
		return nil
	}
	return c.data(streamInput, p)
}

// Resize records a terminal size change as an "r" event "COLSxROWS".
func (c *Cast) Resize(cols, rows int) error {
	if c == nil {
		return nil
	}
	if cols <= 0 || rows <= 0 || cols > maxDim || rows > maxDim {
		return fmt.Errorf("recorder: resize %dx%d out of range", cols, rows)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil || c.err != nil {
		return err
	}
	c.line = appendResize(c.line[:0], c.now(), cols, rows)
	return c.writeLine()
}

// Marker records a named point in the session as an "m" event.
func (c *Cast) Marker(label string) error {
	if c == nil {
		return nil
	}
	if len(label) > maxMarker {
		return fmt.Errorf("recorder: marker longer than %d bytes", maxMarker)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil || c.err != nil {
		return err
	}
	c.line = appendEvent(c.line[:0], c.now(), codeMarker, []byte(label))
	return c.writeLine()
}

// Err returns the first write error, or nil. In BestEffort mode it tells
// the caller that the recording stopped although the calls succeed.
func (c *Cast) Err() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// ErrClosed is returned by calls on a closed Cast.
var ErrClosed = errors.New("recorder: cast closed")

// usable returns the error a call must return before doing anything: the
// sticky write error in Strict mode, ErrClosed after Close. In BestEffort
// mode after a failure it returns nil and the caller checks c.err.
func (c *Cast) usable() error {
	if c.err != nil && c.opts.Mode == Strict {
		return c.err
	}
	if c.closed {
		return ErrClosed
	}
	return nil
}

const (
	streamOutput = 0
	streamInput  = 1
)

func (c *Cast) data(stream int, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil || c.err != nil {
		return err
	}
	code := codeOutput
	if stream == streamInput {
		code = codeInput
		c.input.bytes += int64(len(p))
	}
	t := c.now()
	// Join a character held back from the previous write with p. This
	// copies p only when a character was split across writes.
	h := &c.held[stream]
	if h.n > 0 {
		c.scratch = append(append(c.scratch[:0], h.bytes()...), p...)
		p = c.scratch
		h.n = 0
		if cap(c.scratch) > 4*maxEventData {
			defer func() { c.scratch = nil }()
		}
	}
	body, rest := splitIncomplete(p)
	h.set(rest)
	for len(body) > 0 {
		n := chunkLen(body, maxEventData)
		if err := c.emit(t, code, body[:n]); err != nil {
			return err
		}
		body = body[n:]
	}
	return nil
}

func (c *Cast) emit(t int64, code string, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	c.line = appendEvent(c.line[:0], t, code, p)
	return c.writeLine()
}

// now returns the event time in microseconds since start, never less than
// the previous event's.
func (c *Cast) now() int64 {
	us := c.opts.Clock().Sub(c.start).Microseconds()
	if us < c.lastUS {
		us = c.lastUS
	}
	c.lastUS = us
	return us
}

// writeLine appends c.line to the buffer and arms the flush timer. The
// caller holds c.mu.
func (c *Cast) writeLine() error {
	if _, err := c.bw.Write(c.line); err != nil {
		return c.fail(fmt.Errorf("recorder: write: %w", err))
	}
	c.events++
	if !c.armed {
		c.armed = true
		if c.timer == nil {
			c.timer = time.AfterFunc(c.opts.FlushEvery, c.onTimer)
		} else {
			c.timer.Reset(c.opts.FlushEvery)
		}
	}
	return nil
}

func (c *Cast) onTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.armed || c.closed || c.err != nil {
		return
	}
	c.armed = false
	_ = c.flush() // a failure is kept in c.err and reported by the next call
}

// flush writes buffered events to the sink and syncs it. The caller holds
// c.mu.
func (c *Cast) flush() error {
	if err := c.bw.Flush(); err != nil {
		return c.fail(fmt.Errorf("recorder: flush: %w", err))
	}
	if err := c.sink.w.Sync(); err != nil {
		return c.fail(fmt.Errorf("recorder: sync: %w", err))
	}
	return nil
}

// fail records the first write error. It returns what the call must
// return: the error in Strict mode, nil in BestEffort mode, where the
// failure is logged once instead.
func (c *Cast) fail(err error) error {
	if c.err == nil {
		c.err = err
		if c.opts.Mode == BestEffort {
			c.opts.Log.Error("recording failed, session continues unrecorded", "component", "recorder", "err", err)
		}
	}
	if c.opts.Mode == BestEffort {
		return nil
	}
	return c.err
}
