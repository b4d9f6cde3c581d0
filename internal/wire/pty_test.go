package wire

import (
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestPTYRequestRoundTrip(t *testing.T) {
	want := NewPTYRequest("", 120, 40)
	got, err := ParsePTYRequest(want.Marshal())
	if err != nil {
		t.Fatalf("ParsePTYRequest(NewPTYRequest) error: %v", err)
	}
	if got != want {
		t.Errorf("round trip = %+v, want %+v", got, want)
	}
	if got.Term != DefaultTerm || got.Modes != "\x00" {
		t.Errorf("defaults: term %q modes %q, want %q and TTY_OP_END", got.Term, got.Modes, DefaultTerm)
	}
}

func TestParsePTYRequest(t *testing.T) {
	enc := func(p PTYRequest) []byte { return ssh.Marshal(&p) }
	tests := map[string]struct {
		in []byte
		ok bool
	}{
		"typical":         {enc(PTYRequest{Term: "xterm", Cols: 80, Rows: 24}), true},
		"largest":         {enc(PTYRequest{Term: strings.Repeat("x", MaxTermName), Cols: MaxTermSize, Rows: MaxTermSize}), true},
		"empty":           {nil, false},
		"zero cols":       {enc(PTYRequest{Term: "xterm", Rows: 24}), false},
		"zero rows":       {enc(PTYRequest{Term: "xterm", Cols: 80}), false},
		"too wide":        {enc(PTYRequest{Term: "xterm", Cols: MaxTermSize + 1, Rows: 24}), false},
		"too tall":        {enc(PTYRequest{Term: "xterm", Cols: 80, Rows: MaxTermSize + 1}), false},
		"long term name":  {enc(PTYRequest{Term: strings.Repeat("x", MaxTermName+1), Cols: 80, Rows: 24}), false},
		"trailing data":   {append(enc(PTYRequest{Term: "xterm", Cols: 80, Rows: 24}), 0), false},
		"truncated":       {enc(PTYRequest{Term: "xterm", Cols: 80, Rows: 24})[:10], false},
		"window-change":   {WindowChange{Cols: 80, Rows: 24}.Marshal(), false},
		"huge string len": {[]byte{0xff, 0xff, 0xff, 0xff, 'x'}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePTYRequest(tc.in)
			if got := err == nil; got != tc.ok {
				t.Errorf("ParsePTYRequest ok = %v (err %v), want %v", got, err, tc.ok)
			}
		})
	}
}

func TestParseWindowChange(t *testing.T) {
	tests := map[string]struct {
		in []byte
		ok bool
	}{
		"typical":       {WindowChange{Cols: 100, Rows: 30}.Marshal(), true},
		"pixels":        {WindowChange{Cols: 100, Rows: 30, WidthPx: 800, HeightPx: 600}.Marshal(), true},
		"empty":         {nil, false},
		"zero":          {WindowChange{}.Marshal(), false},
		"too big":       {WindowChange{Cols: 1001, Rows: 30}.Marshal(), false},
		"trailing data": {append(WindowChange{Cols: 100, Rows: 30}.Marshal(), 1), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w, err := ParseWindowChange(tc.in)
			if got := err == nil; got != tc.ok {
				t.Errorf("ParseWindowChange ok = %v (err %v), want %v", got, err, tc.ok)
			}
			if err == nil && (w.Cols != 100 || w.Rows != 30) {
				t.Errorf("ParseWindowChange = %+v, want 100x30", w)
			}
		})
	}
}

// FuzzParsePTYRequest: any input either fails or yields a request within
// bounds that encodes back to the same bytes.
func FuzzParsePTYRequest(f *testing.F) {
	f.Add(NewPTYRequest("", 80, 24).Marshal())
	f.Add(NewPTYRequest("vt100", 1000, 1).Marshal())
	f.Add(WindowChange{Cols: 80, Rows: 24}.Marshal())
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePTYRequest(b)
		if err != nil {
			return
		}
		if !validTermSize(p.Cols, p.Rows) || len(p.Term) > MaxTermName {
			t.Fatalf("ParsePTYRequest(%x) = %+v: out of bounds", b, p)
		}
		if got := p.Marshal(); string(got) != string(b) {
			t.Fatalf("ParsePTYRequest(%x) then Marshal = %x", b, got)
		}
	})
}

// FuzzParseWindowChange: any input either fails or yields a size within bounds.
func FuzzParseWindowChange(f *testing.F) {
	f.Add(WindowChange{Cols: 80, Rows: 24}.Marshal())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseWindowChange(b)
		if err != nil {
			return
		}
		if !validTermSize(w.Cols, w.Rows) {
			t.Fatalf("ParseWindowChange(%x) = %+v: out of bounds", b, w)
		}
	})
}
