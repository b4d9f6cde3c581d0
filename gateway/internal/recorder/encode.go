package recorder

import (
	"strconv"
	"unicode/utf8"
)

// Event codes of asciicast v2.
const (
	codeOutput = "o" // bytes the shell wrote to the terminal
	codeInput  = "i" // bytes typed by the technician while the terminal shows them
	codeResize = "r" // terminal resized, data "COLSxROWS"
	codeMarker = "m" // a named point, data is the label (hidden input, see input.go)
)

const (
	utf8Max = utf8.UTFMax - 1 // most bytes of an incomplete character
	maxDim  = 65535           // largest terminal width or height
)

// heldRune is the incomplete UTF-8 sequence at the end of the previous
// write, kept until the next write completes it.
type heldRune struct {
	b [utf8Max]byte
	n int
}

func (h *heldRune) bytes() []byte { return h.b[:h.n] }
func (h *heldRune) set(p []byte)  { h.n = copy(h.b[:], p) }

// splitIncomplete splits p before a trailing sequence (at most 3 bytes)
// that is the valid beginning of a UTF-8 character but not all of it.
// Everything in body decodes exactly as it would in the whole stream:
// a character never straddles the cut, since the cut is at a byte that
// cannot continue a character.
func splitIncomplete(p []byte) (body, rest []byte) {
	for k := 1; k <= utf8Max && k <= len(p); k++ {
		i := len(p) - k
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return p[:i], p[i:]
			}
			break
		}
	}
	return p, nil
}

// chunkLen returns how many bytes of p to put in one event: all of p if it
// has at most max bytes, else about max bytes, cut before a byte that
// starts a character so no character is split. If none of the 4 bytes
// around the cut starts one, no valid character can span the cut either.
func chunkLen(p []byte, max int) int {
	if len(p) <= max {
		return len(p)
	}
	for k := 0; k < utf8.UTFMax && max-k > 0; k++ {
		if utf8.RuneStart(p[max-k]) {
			return max - k
		}
	}
	return max
}

// appendTime appends microseconds as seconds with 6 decimals, exactly.
func appendTime(b []byte, us int64) []byte {
	b = strconv.AppendInt(b, us/1e6, 10)
	frac := us % 1e6
	b = append(b, '.')
	for d := int64(1e5); d > 0; d /= 10 {
		b = append(b, byte('0'+frac/d%10))
	}
	return b
}

// appendEvent appends one event line [t, "code", "data"]\n. data is
// encoded as a JSON string; bytes that are not valid UTF-8 each become
// U+FFFD, the way utf8.DecodeRune reads them.
func appendEvent(b []byte, us int64, code string, data []byte) []byte {
	b = append(b, '[')
	b = appendTime(b, us)
	b = append(b, `, "`...)
	b = append(b, code...)
	b = append(b, `", `...)
	b = appendString(b, data)
	return append(b, "]\n"...)
}

func appendResize(b []byte, us int64, cols, rows int) []byte {
	b = append(b, '[')
	b = appendTime(b, us)
	b = append(b, `, "r", "`...)
	b = strconv.AppendInt(b, int64(cols), 10)
	b = append(b, 'x')
	b = strconv.AppendInt(b, int64(rows), 10)
	return append(b, "\"]\n"...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Control characters, '"' and
// '\\' are escaped; so are U+2028 and U+2029 (valid JSON, but not valid
// JavaScript source) and DEL, to keep files safe to paste and view.
func appendString(b []byte, s []byte) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
