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
// object with the same key twice (at any depth) or is not valid UTF-8. It
// returns nil for anything else, including JSON that does not parse (that is
// caught by the hash, which covers such bytes raw).
func checkDetails(raw []byte) error {
	if !utf8.Valid(raw) {
		return fmt.Errorf("%w: details are not valid UTF-8", errAmbiguous)
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
