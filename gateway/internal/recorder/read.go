package recorder

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Event is one event line of an asciicast v2 file.
type Event struct {
	Time float64 // seconds since the start of the recording
	Code string  // "o", "i", "r" or "m"
	Data string
}

// ReadLimits bounds ReadCast. Zero fields take the defaults.
type ReadLimits struct {
	MaxLine   int   // longest line in bytes; default 1 MiB
	MaxEvents int   // most events; default 10 million
	MaxBytes  int64 // most bytes read in total; default 1 GiB
}

// Defaults for ReadLimits.
const (
	DefaultMaxLine   = 1 << 20
	DefaultMaxEvents = 10_000_000
	DefaultMaxBytes  = 1 << 30
)

var (
	// ErrTruncated means the last line has no newline and is not a
	// complete event: the recording was cut mid-write, as when the gateway
	// crashed. Everything before it is returned with the error.
	ErrTruncated = errors.New("recorder: cast truncated")
	// ErrInvalid means the file is not an asciicast v2 recording Tether
	// accepts. Events before the bad line are returned with the error.
	ErrInvalid = errors.New("recorder: invalid cast")
	// ErrTooLarge means a limit in ReadLimits was exceeded.
	ErrTooLarge = errors.New("recorder: cast exceeds limits")
)

func (l ReadLimits) withDefaults() ReadLimits {
	if l.MaxLine <= 0 {
		l.MaxLine = DefaultMaxLine
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = DefaultMaxEvents
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// ReadCast parses an asciicast v2 recording within limits. The header must
// say version 2 with a positive width and height; every event must be
// [time, code, data] with a finite, non-negative time not less than the
// previous one, a known code, and for "r" data of the form COLSxROWS.
// Blank lines are skipped. A file cut at a line boundary is valid; one cut
// mid-line returns the events before that line and ErrTruncated. On any
// other error the events read so far are returned too.
func ReadCast(r io.Reader, limits ReadLimits) (Header, []Event, error) {
	limits = limits.withDefaults()
	lr := &io.LimitedReader{R: r, N: limits.MaxBytes + 1}
	br := bufio.NewReaderSize(lr, 64<<10)
	var (
		h      Header
		seen   bool // header parsed
		events []Event
		last   float64
		lineNo int
	)
	for {
		line, complete, err := readLine(br, limits.MaxLine)
		if err != nil {
			return h, events, fmt.Errorf("recorder: read line %d: %w", lineNo+1, err)
		}
		if lr.N <= 0 {
			return h, events, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limits.MaxBytes)
		}
		if line == nil {
			if !seen {
				return h, events, fmt.Errorf("%w: no header", ErrInvalid)
			}
			return h, events, nil
		}
		lineNo++
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !seen {
			if h, err = parseHeader(line); err != nil {
				return Header{}, nil, err
			}
			seen = true
			if !complete {
				return h, nil, nil // a header without its newline is still a full header
			}
			continue
		}
		ev, err := parseEvent(line)
		if err == nil && ev.Time < last {
			err = fmt.Errorf("%w: time %v before previous %v", ErrInvalid, ev.Time, last)
		}
		if err != nil {
			if !complete {
				return h, events, fmt.Errorf("line %d: %w", lineNo, ErrTruncated)
			}
			return h, events, fmt.Errorf("line %d: %w", lineNo, err)
		}
		if len(events) >= limits.MaxEvents {
			return h, events, fmt.Errorf("%w: more than %d events", ErrTooLarge, limits.MaxEvents)
		}
		last = ev.Time
		events = append(events, ev)
	}
}

// readLine returns the next line without its newline, whether it had one,
// or nil at the end of input. Lines longer than max are an error.
func readLine(br *bufio.Reader, max int) ([]byte, bool, error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > max+1 { // +1 for the newline
			return nil, false, fmt.Errorf("%w: line longer than %d bytes", ErrTooLarge, max)
		}
		switch {
		case err == nil:
			if buf == nil {
				return frag[:len(frag)-1], true, nil
			}
			buf = append(buf, frag[:len(frag)-1]...)
			return buf, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			buf = append(buf, frag...)
		case errors.Is(err, io.EOF):
			buf = append(buf, frag...)
			if len(buf) == 0 {
				return nil, false, nil
			}
			return buf, false, nil
		default:
			return nil, false, err
		}
	}
}

func parseHeader(line []byte) (Header, error) {
	var h Header
	if err := json.Unmarshal(line, &h); err != nil {
		return Header{}, fmt.Errorf("%w: header: %v", ErrInvalid, err)
	}
	switch {
	case h.Version != 2:
		return Header{}, fmt.Errorf("%w: header version %d, want 2", ErrInvalid, h.Version)
	case h.Width <= 0 || h.Height <= 0:
		return Header{}, fmt.Errorf("%w: header size %dx%d", ErrInvalid, h.Width, h.Height)
	}
	return h, nil
}

func parseEvent(line []byte) (Event, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return Event{}, fmt.Errorf("%w: event: %v", ErrInvalid, err)
	}
	if len(raw) != 3 {
		return Event{}, fmt.Errorf("%w: event has %d fields, want 3", ErrInvalid, len(raw))
	}
	var ev Event
	if err := json.Unmarshal(raw[0], &ev.Time); err != nil {
		return Event{}, fmt.Errorf("%w: event time: %v", ErrInvalid, err)
	}
	if math.IsNaN(ev.Time) || math.IsInf(ev.Time, 0) || ev.Time < 0 {
		return Event{}, fmt.Errorf("%w: event time %v", ErrInvalid, ev.Time)
	}
	if err := json.Unmarshal(raw[1], &ev.Code); err != nil {
		return Event{}, fmt.Errorf("%w: event code: %v", ErrInvalid, err)
	}
	if err := json.Unmarshal(raw[2], &ev.Data); err != nil {
		return Event{}, fmt.Errorf("%w: event data: %v", ErrInvalid, err)
	}
	switch ev.Code {
	case codeOutput, codeInput, codeMarker:
	case codeResize:
		if _, _, err := ParseResize(ev.Data); err != nil {
			return Event{}, err
		}
	default:
		return Event{}, fmt.Errorf("%w: event code %q", ErrInvalid, ev.Code)
	}
	return ev, nil
}

// ParseResize parses the data of an "r" event, "COLSxROWS".
func ParseResize(data string) (cols, rows int, err error) {
	c, r, ok := strings.Cut(data, "x")
	ok = ok && digits(c) && digits(r)
	if ok {
		cols, err = strconv.Atoi(c)
		if err == nil {
			rows, err = strconv.Atoi(r)
		}
	}
	if !ok || err != nil || cols <= 0 || rows <= 0 || cols > maxDim || rows > maxDim {
		return 0, 0, fmt.Errorf("%w: resize %q", ErrInvalid, data)
	}
	return cols, rows, nil
}

func digits(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// SumFile returns the SHA-256 and length of everything r yields: compare
// with Seal.SHA256 and Seal.Size to verify a recording.
func SumFile(r io.Reader) ([32]byte, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	var sum [32]byte
	if err != nil {
		return sum, n, fmt.Errorf("recorder: hash: %w", err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, n, nil
}
