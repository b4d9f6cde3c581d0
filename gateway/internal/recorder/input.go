package recorder

import "fmt"

// Input accounting. Everything the technician types is accounted for:
// what the user's terminal shows is recorded as "i" events (Input); what it
// hides (echo off: a password prompt, `stty -echo`) is recorded as its
// length only (HiddenInput), in one "m" marker per episode of hidden input,
// written when the episode ends:
//
//	[12.5, "m", "input hidden (echo off): 9 bytes"]
//
// The characters themselves never reach the file.

// HiddenMarkerPrefix begins the label of every hidden-input marker, so
// players and tools can find them.
const HiddenMarkerPrefix = "input hidden"

// InputStats counts a recording's input.
type InputStats struct {
	// Bytes is every input byte, shown and hidden.
	Bytes int64
	// HiddenBytes is the part recorded as a length only.
	HiddenBytes int64
	// HiddenEpisodes is how many hidden-input markers were written.
	HiddenEpisodes int
}

// inputCount is the Cast's input accounting; guarded by Cast.mu.
type inputCount struct {
	bytes          int64
	hiddenBytes    int64
	hiddenEpisodes int
	open           int64  // bytes in the open episode; 0 means none is open
	why            string // the open episode's reason, as in its marker
}

// HiddenInput accounts for bytes typed while the user's terminal does not
// show them. Only len(p) is kept: it joins the open episode, or opens one
// whose marker will say why ("echo off", "echo state unknown"; the why of
// later calls in the same episode is ignored).
func (c *Cast) HiddenInput(p []byte, why string) error {
	if c == nil || len(p) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil || c.err != nil {
		return err
	}
	if c.input.open == 0 {
		if len(why) > 64 {
			why = why[:64]
		}
		c.input.why = why
	}
	c.input.open += int64(len(p))
	c.input.bytes += int64(len(p))
	c.input.hiddenBytes += int64(len(p))
	return nil
}

// EndHidden ends the open hidden-input episode, if any: it writes its "m"
// marker and returns its byte count (0 when no episode was open). Close
// ends an open episode by itself.
func (c *Cast) EndHidden() (int64, error) {
	if c == nil {
		return 0, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil || c.err != nil {
		return 0, err
	}
	return c.endHidden()
}

// endHidden is EndHidden with c.mu held.
func (c *Cast) endHidden() (int64, error) {
	n := c.input.open
	if n == 0 {
		return 0, nil
	}
	c.input.open = 0
	c.input.hiddenEpisodes++
	c.line = appendEvent(c.line[:0], c.now(), codeMarker, []byte(HiddenMarker(c.input.why, n)))
	return n, c.writeLine()
}

// HiddenMarker is the label of a hidden-input marker.
func HiddenMarker(why string, n int64) string {
	unit := "bytes"
	if n == 1 {
		unit = "byte"
	}
	return fmt.Sprintf("%s (%s): %d %s", HiddenMarkerPrefix, why, n, unit)
}

// InputStats returns the input counts so far. An open episode's bytes are
// in Bytes and HiddenBytes but not yet in HiddenEpisodes.
func (c *Cast) InputStats() InputStats {
	if c == nil {
		return InputStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return InputStats{Bytes: c.input.bytes, HiddenBytes: c.input.hiddenBytes, HiddenEpisodes: c.input.hiddenEpisodes}
}
