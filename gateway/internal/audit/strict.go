package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// errAmbiguous marks details that different JSON readers would read
// differently: Go keeps the last of two equal keys, SQLite's json_extract
// the first, and invalid UTF-8 is replaced by one reader and kept by
// another. The Logger never writes such details, so a row holding them was
// edited after the fact.
var errAmbiguous = errors.New("ambiguous details")

// maxKeyShown bounds how much of an offending key a Reason quotes.
const maxKeyShown = 40

// checkDetails returns an error wrapping errAmbiguous when raw holds an
// object with the same key twice (at any depth), is not valid UTF-8, or
// escapes half a surrogate pair (Go reads U+FFFD, SQLite keeps it). It
// returns nil for anything else, including JSON that does not parse (that is
// caught by the hash, which covers such bytes raw).
func checkDetails(raw []byte) error {
	if !utf8.Valid(raw) {
		return fmt.Errorf("%w: details are not valid UTF-8", errAmbiguous)
	}
	if loneSurrogate(raw) {
		return fmt.Errorf("%w: details hold a \\u escape of half a UTF-16 pair", errAmbiguous)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	// One frame per open object or array: keys seen so far (nil for an
	// array) and whether the next string token is a key.
	type frame struct {
		keys   map[string]struct{}
		wantKy bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // not JSON: the hash over the raw bytes decides
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, frame{keys: map[string]struct{}{}, wantKy: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:top]
				if top > 0 && stack[top-1].keys != nil {
					stack[top-1].wantKy = true
				}
			}
			continue
		}
		if top < 0 || stack[top].keys == nil {
			continue // a scalar at the top level or in an array
		}
		if !stack[top].wantKy {
			stack[top].wantKy = true // that was a value; a key comes next
			continue
		}
		k, _ := tok.(string) // Token only yields string keys inside objects
		if _, dup := stack[top].keys[k]; dup {
			return fmt.Errorf("%w: key %s appears twice in one object", errAmbiguous, quoteBounded(k))
		}
		stack[top].keys[k] = struct{}{}
		stack[top].wantKy = false
	}
}

// quoteBounded quotes s for a person (control characters escaped) and cuts
// it to maxKeyShown runes, so an attacker-chosen key cannot flood or drive
// the terminal or page that shows a Reason.
func quoteBounded(s string) string {
	r := []rune(s)
	if len(r) > maxKeyShown {
		return fmt.Sprintf("%+q… (%d bytes)", string(r[:maxKeyShown]), len(s))
	}
	return fmt.Sprintf("%+q", s)
}

// loneSurrogate reports whether a JSON string in raw has a \uD800-\uDFFF
// escape that is not a high surrogate followed by a low one. Go decodes such
// an escape as U+FFFD, so it would hash like a real U+FFFD.
func loneSurrogate(raw []byte) bool {
	hex4 := func(i int) (rune, bool) { // the 4 hex digits at raw[i:]
		if i+4 > len(raw) {
			return 0, false
		}
		var r rune
		for _, c := range raw[i : i+4] {
			switch {
			case '0' <= c && c <= '9':
				r = r<<4 | rune(c-'0')
			case 'a' <= c && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case 'A' <= c && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			i++
			if i >= len(raw) || raw[i] != 'u' {
				continue // a one-character escape (or broken JSON)
			}
			r, ok := hex4(i + 1)
			if !ok {
				continue
			}
			i += 4
			switch {
			case 0xDC00 <= r && r <= 0xDFFF:
				return true // a low surrogate with no high one before it
			case 0xD800 <= r && r <= 0xDBFF:
				if i+2 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
					return true
				}
				lo, ok := hex4(i + 3)
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return true
				}
				i += 6
			}
		}
	}
	return false
}
