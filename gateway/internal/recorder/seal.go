package recorder

import (
	"errors"
	"fmt"
	"time"
)

// Seal describes a closed recording.
type Seal struct {
	SHA256    [32]byte      // over the exact bytes of the file
	Size      int64         // bytes in the file
	Duration  time.Duration // from NewCast to Close, by Clock
	Events    int           // event lines written (header not counted)
	Signature []byte        // Signer(SHA256), nil without a Signer
}

// Close writes what is pending (the marker of an open hidden-input
// episode, a held-back partial character as U+FFFD), syncs and closes the sink, and returns the seal. The seal
// covers the bytes that reached the sink; if any write failed, in either
// mode, Close also returns that error because the file is incomplete.
// Close is idempotent.
func (c *Cast) Close() (Seal, error) {
	if c == nil {
		return Seal{}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.seal, c.cerr
	}
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.armed = false
	if c.err == nil {
		_, _ = c.endHidden() // errors land in c.err
	}
	if c.err == nil {
		t := c.now()
		for stream, code := range []string{codeOutput, codeInput} {
			h := &c.held[stream]
			if h.n > 0 {
				_ = c.emit(t, code, h.bytes()) // errors land in c.err
				h.n = 0
			}
		}
	}
	if c.err == nil {
		_ = c.flush()
	}
	if err := c.sink.w.Close(); err != nil && c.err == nil {
		c.err = fmt.Errorf("recorder: close: %w", err)
	}
	copy(c.seal.SHA256[:], c.sink.h.Sum(nil))
	c.seal.Size = c.sink.size
	c.seal.Duration = c.opts.Clock().Sub(c.start)
	c.seal.Events = c.events
	c.cerr = c.err
	if c.opts.Signer != nil {
		sig, err := c.opts.Signer(c.seal.SHA256)
		if err != nil {
			c.cerr = errors.Join(c.cerr, fmt.Errorf("recorder: sign: %w", err))
		}
		c.seal.Signature = sig
	}
	return c.seal, c.cerr
}
