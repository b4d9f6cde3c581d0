package recorder

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func FuzzReadCast(f *testing.F) {
	seeds := []string{
		hdr,
		hdr + `[0.5, "o", "a\u001b[0m\r\n"]` + "\n" + `[1, "r", "100x30"]` + "\n" + `[2, "m", "x"]` + "\n",
		hdr + `[1, "o", "trunc`,
		hdr + `[2, "o", "a"]` + "\n" + `[1, "o", "b"]` + "\n",
		`{"version":2,"width":1,"height":1,"env":{"TERM":"xterm"}}` + "\n" + `[1e308, "i", ""]`,
		"\n\n", "", "[", `{"version":2}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	limits := ReadLimits{MaxLine: 4096, MaxEvents: 100, MaxBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, in []byte) {
		h, evs, err := ReadCast(bytes.NewReader(in), limits)
		if len(evs) > limits.MaxEvents {
			t.Fatalf("%d events, limit %d", len(evs), limits.MaxEvents)
		}
		if len(evs) > 0 && (h.Version != 2 || h.Width <= 0 || h.Height <= 0) {
			t.Fatalf("events returned with header %+v", h)
		}
		last := 0.0
		for _, e := range evs {
			if e.Time < last {
				t.Fatalf("times go back: %v after %v", e.Time, last)
			}
			last = e.Time
			if !strings.Contains("oirm", e.Code) || len(e.Code) != 1 {
				t.Fatalf("unknown code %q accepted", e.Code)
			}
		}
		_ = err
	})
}

// FuzzCastRoundTrip writes data through Output in chunks whose sizes come
// from cuts, reads the file back and checks the guarantee documented in
// docs/recording-format.md: the concatenated "o" data equals the whole
// byte stream decoded as UTF-8 with each invalid byte replaced by U+FFFD
// (string([]rune(string(data)))), however the stream was split.
func FuzzCastRoundTrip(f *testing.F) {
	f.Add([]byte("hello\r\nworld"), []byte{3, 1})
	f.Add([]byte("a€b😀c"), []byte{2, 1, 1, 1, 2})
	f.Add([]byte("\xe2\x82\xff\xf0\x9f\x98"), []byte{1})
	f.Add([]byte("\x00\x1b[31m\"\\\u2028\x7f"), []byte{0, 5})
	f.Add([]byte("\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80"), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		// Keep each run short: large inputs of 1-byte chunks would be
		// millions of events and stall the fuzzer without finding more.
		data = data[:min(len(data), 16<<10)]
		cuts = cuts[:min(len(cuts), 256)]
		var m memSink
		clk := newFakeClock()
		c, err := NewCast(&m, Header{Width: 80, Height: 24}, CastOptions{Clock: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if i < len(cuts) {
				n = min(n, int(cuts[i]))
			}
			if err := c.Output(rest[:n]); err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Millisecond)
			rest = rest[n:]
		}
		seal, err := c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if seal.Size != int64(m.Len()) {
			t.Fatalf("seal size %d, file %d", seal.Size, m.Len())
		}
		_, evs, err := ReadCast(bytes.NewReader(m.Bytes()), ReadLimits{})
		if err != nil {
			t.Fatalf("ReadCast: %v\n%q", err, m.String())
		}
		if got, want := outputText(evs), string([]rune(string(data))); got != want {
			t.Fatalf("round trip:\n got %+q\nwant %+q", got, want)
		}
	})
}
