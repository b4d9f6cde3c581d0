package recorder

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCastInputEvents checks that input is recorded by default: shown input
// as "i" events, hidden input as one "m" marker per episode with its
// length and none of its bytes.
func TestCastInputEvents(t *testing.T) {
	type step struct {
		input  string
		hidden bool
		end    bool // EndHidden after this step
	}
	tests := []struct {
		name      string
		steps     []step
		want      []Event
		wantStats InputStats
	}{
		{
			name:      "shown input is recorded",
			steps:     []step{{input: "ls -l\r"}},
			want:      []Event{{0, "i", "ls -l\r"}},
			wantStats: InputStats{Bytes: 6},
		},
		{
			name: "hidden input is a length",
			steps: []step{
				{input: "stty -echo\r"},
				{input: "hunter2", hidden: true},
				{input: "\r", hidden: true, end: true},
				{input: "echo back\r"},
			},
			want: []Event{
				{0, "i", "stty -echo\r"},
				{0, "m", "input hidden (echo off): 8 bytes"},
				{0, "i", "echo back\r"},
			},
			wantStats: InputStats{Bytes: 29, HiddenBytes: 8, HiddenEpisodes: 1},
		},
		{
			name: "two episodes, one byte",
			steps: []step{
				{input: "Q", hidden: true, end: true},
				{input: "x"},
				{input: "ZW", hidden: true, end: true},
				{end: true}, // nothing open: no marker
			},
			want: []Event{
				{0, "m", "input hidden (echo off): 1 byte"},
				{0, "i", "x"},
				{0, "m", "input hidden (echo off): 2 bytes"},
			},
			wantStats: InputStats{Bytes: 4, HiddenBytes: 3, HiddenEpisodes: 2},
		},
		{
			name:      "Close ends an open episode",
			steps:     []step{{input: "secret", hidden: true}},
			want:      []Event{{0, "m", "input hidden (echo off): 6 bytes"}},
			wantStats: InputStats{Bytes: 6, HiddenBytes: 6, HiddenEpisodes: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m memSink
			c, err := NewCast(&m, testHeader(), CastOptions{Clock: newFakeClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.steps {
				if s.hidden {
					err = c.HiddenInput([]byte(s.input), "echo off")
				} else {
					err = c.Input([]byte(s.input))
				}
				if err != nil {
					t.Fatalf("input %q: %v", s.input, err)
				}
				if s.end {
					if _, err := c.EndHidden(); err != nil {
						t.Fatalf("EndHidden: %v", err)
					}
				}
			}
			if _, err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if got := c.InputStats(); got != tc.wantStats {
				t.Errorf("InputStats: got %+v, want %+v", got, tc.wantStats)
			}
			file := m.Bytes()
			_, evs, err := ReadCast(bytes.NewReader(file), ReadLimits{})
			if err != nil {
				t.Fatalf("ReadCast: %v", err)
			}
			if diff := cmp.Diff(tc.want, evs); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			for _, s := range tc.steps {
				if s.hidden && bytes.Contains(file, []byte(s.input)) && s.input != "\r" {
					t.Errorf("hidden input %q is in the file:\n%s", s.input, file)
				}
			}
		})
	}
}

func TestCastEndHiddenReturnsLength(t *testing.T) {
	c, err := NewCast(&memSink{}, testHeader(), CastOptions{Clock: newFakeClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	c.HiddenInput([]byte("12345"), "echo state unknown")
	c.HiddenInput([]byte("6789"), "echo off") // same episode: its why is the first one
	n, err := c.EndHidden()
	if err != nil || n != 9 {
		t.Errorf("EndHidden: got %d, %v, want 9, nil", n, err)
	}
	if n, _ := c.EndHidden(); n != 0 {
		t.Errorf("second EndHidden: got %d, want 0", n)
	}
	var nilCast *Cast
	if err := nilCast.HiddenInput([]byte("x"), "echo off"); err != nil {
		t.Errorf("nil Cast HiddenInput: %v", err)
	}
}

func TestHiddenMarker(t *testing.T) {
	for _, tc := range []struct {
		why  string
		n    int64
		want string
	}{
		{"echo off", 9, "input hidden (echo off): 9 bytes"},
		{"echo off", 1, "input hidden (echo off): 1 byte"},
		{"echo state unknown", 120, "input hidden (echo state unknown): 120 bytes"},
	} {
		if got := HiddenMarker(tc.why, tc.n); got != tc.want {
			t.Errorf("HiddenMarker(%q, %d): got %q, want %q", tc.why, tc.n, got, tc.want)
		}
	}
}
