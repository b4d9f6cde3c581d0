package recorder

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"

	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/internal/testenv"
)

func TestCastWriteRead(t *testing.T) {
	defer goleak.VerifyNone(t)
	f, path := createFile(t)
	clk := newFakeClock()
	c, err := NewCast(f, testHeader(), CastOptions{Clock: clk.Now})
	if err != nil {
		t.Fatalf("NewCast: %v", err)
	}
	steps := []func() error{
		func() error { return c.Output([]byte("$ ls\r\n")) },
		func() error {
			clk.Advance(1500 * time.Millisecond)
			return c.HiddenInput([]byte("secret\r"), "echo off")
		}, // a length only
		func() error { return c.Output([]byte("a.txt\tb \"q\" \\\x1b[0m\r\n")) },
		func() error { clk.Advance(250 * time.Microsecond); return c.Resize(120, 40) },
		func() error { clk.Advance(2 * time.Second); return c.Marker("diagnostics ran") },
		func() error { return c.Output(nil) }, // no event
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	clk.Advance(time.Second)
	seal, err := c.Close()
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wantRaw := `{"version":2,"width":80,"height":24,"timestamp":1795000000,"title":"shell on bob-laptop","env":{"SHELL":"/bin/bash","TERM":"xterm-256color"}}
[0.000000, "o", "$ ls\r\n"]
[1.500000, "o", "a.txt\tb \"q\" \\\u001b[0m\r\n"]
[1.500250, "r", "120x40"]
[3.500250, "m", "diagnostics ran"]
[4.500250, "m", "input hidden (echo off): 7 bytes"]
`
	if diff := cmp.Diff(wantRaw, string(raw)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	h, evs, err := readFile(t, path)
	if err != nil {
		t.Fatalf("ReadCast: %v", err)
	}
	if diff := cmp.Diff(testHeader(), h); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	wantEvs := []Event{
		{0, "o", "$ ls\r\n"},
		{1.5, "o", "a.txt\tb \"q\" \\\x1b[0m\r\n"},
		{1.50025, "r", "120x40"},
		{3.50025, "m", "diagnostics ran"},
		{4.50025, "m", "input hidden (echo off): 7 bytes"},
	}
	if diff := cmp.Diff(wantEvs, evs); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	want := Seal{SHA256: sha256.Sum256(raw), Size: int64(len(raw)), Duration: 4500250 * time.Microsecond, Events: 5}
	if diff := cmp.Diff(want, seal); diff != "" {
		t.Errorf("seal (-want +got):\n%s", diff)
	}
	sum, n, err := SumFile(bytes.NewReader(raw))
	if err != nil || sum != seal.SHA256 || n != seal.Size {
		t.Errorf("SumFile = %x, %d, %v; want %x, %d, nil", sum, n, err, seal.SHA256, seal.Size)
	}
}

func TestCastHeaderDefaultsAndValidation(t *testing.T) {
	clk := newFakeClock()
	var m memSink
	if _, err := NewCast(&m, Header{Width: 10, Height: 5}, CastOptions{Clock: clk.Now}); err != nil {
		t.Fatal(err)
	}
	if got, want := m.String(), `{"version":2,"width":10,"height":5,"timestamp":`+
		jsonInt(clk.Now().Unix())+"}\n"; got != want {
		t.Errorf("header = %q, want %q", got, want)
	}
	if m.syncs != 1 {
		t.Errorf("header synced %d times, want 1", m.syncs)
	}
	for _, h := range []Header{{Version: 1, Width: 1, Height: 1}, {Width: 0, Height: 1}, {Width: 1, Height: -1}, {Width: 70000, Height: 1}} {
		if _, err := NewCast(&memSink{}, h, CastOptions{}); err == nil {
			t.Errorf("NewCast(%+v) = nil error, want error", h)
		}
	}
	if _, err := NewCast(&memSink{}, Header{Width: 1, Height: 1}, CastOptions{Mode: Mode(7)}); err == nil {
		t.Error("NewCast with unknown mode succeeded")
	}
	if _, err := NewCast(&fullSink{limit: 3}, Header{Width: 1, Height: 1}, CastOptions{}); !errors.Is(err, errDiskFull) {
		t.Errorf("NewCast on a full disk = %v, want errDiskFull", err)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestCastRecordInput(t *testing.T) {
	var m memSink
	c, err := NewCast(&m, testHeader(), CastOptions{Clock: newFakeClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	c.Input([]byte("ls\r"))
	c.Output([]byte("x"))
	if _, err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_, evs, err := ReadCast(&m, ReadLimits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{{0, "i", "ls\r"}, {0, "o", "x"}}
	if diff := cmp.Diff(want, evs); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestCastUTF8 checks the hold-back of characters split across writes and
// the replacement of invalid bytes.
func TestCastUTF8(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   string
		events int
	}{
		{"ascii", []string{"ab", "cd"}, "abcd", 2},
		{"euro split 1+2", []string{"a\xe2", "\x82\xacb"}, "a€b", 2},
		{"euro split 1+1+1", []string{"\xe2", "\x82", "\xac"}, "€", 1},
		{"emoji split 3+1", []string{"x\xf0\x9f\x98", "\x80"}, "x😀", 2},
		{"emoji split 2+2", []string{"\xf0\x9f", "\x98\x80y"}, "😀y", 1},
		{"invalid byte", []string{"a\xffb"}, "a\ufffdb", 1},
		{"lone continuation", []string{"\x80"}, "\ufffd", 1},
		{"broken sequence", []string{"\xe2\x82", "A"}, "\ufffd\ufffdA", 1},
		{"partial at close", []string{"ok\xe2\x82"}, "ok\ufffd\ufffd", 2},
		{"surrogate", []string{"\xed\xa0\x80"}, "\ufffd\ufffd\ufffd", 1},
		{"overlong", []string{"\xc0\xaf"}, "\ufffd\ufffd", 1},
		{"controls", []string{"\x00\x07\x1b\x7f\u2028\u2029"}, "\x00\x07\x1b\x7f\u2028\u2029", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m memSink
			c, err := NewCast(&m, testHeader(), CastOptions{Clock: newFakeClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range tt.chunks {
				if err := c.Output([]byte(ch)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.Close(); err != nil {
				t.Fatal(err)
			}
			text := m.String()
			_, evs, err := ReadCast(strings.NewReader(text), ReadLimits{})
			if err != nil {
				t.Fatalf("ReadCast: %v\n%s", err, text)
			}
			if got := outputText(evs); got != tt.want {
				t.Errorf("output = %+q, want %+q", got, tt.want)
			}
			if len(evs) != tt.events {
				t.Errorf("%d events, want %d:\n%s", len(evs), tt.events, text)
			}
			if got, want := outputText(evs), string([]rune(strings.Join(tt.chunks, ""))); got != want {
				t.Errorf("output = %+q, want the whole stream decoded %+q", got, want)
			}
		})
	}
}

func TestCastEscapesLineSafe(t *testing.T) {
	var m memSink
	c, _ := NewCast(&m, testHeader(), CastOptions{Clock: newFakeClock().Now})
	all := make([]byte, 0, 256)
	for i := 0; i < 128; i++ {
		all = append(all, byte(i))
	}
	all = append(all, "\u2028\u2029"...)
	c.Output(all)
	c.Close()
	lines := strings.Split(strings.TrimSuffix(m.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (control characters must not break lines)", len(lines))
	}
	if strings.ContainsAny(lines[1], "\x00\x1b\r\x7f\u2028\u2029") {
		t.Errorf("event line holds raw control characters: %q", lines[1])
	}
	var ev []any
	if err := json.Unmarshal([]byte(lines[1]), &ev); err != nil {
		t.Fatal(err)
	}
	if got := ev[2].(string); got != string(all) {
		t.Errorf("decoded %+q, want %+q", got, all)
	}
}

func TestCastLargeWriteSplits(t *testing.T) {
	var m memSink
	c, _ := NewCast(&m, testHeader(), CastOptions{Clock: newFakeClock().Now})
	// 300 KiB of control bytes and 3-byte characters, worst cases for line length.
	var in bytes.Buffer
	for in.Len() < 300<<10 {
		in.WriteString("\x01€\x1b")
	}
	if err := c.Output(in.Bytes()); err != nil {
		t.Fatal(err)
	}
	seal, err := c.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, evs, err := ReadCast(bytes.NewReader(m.Bytes()), ReadLimits{})
	if err != nil {
		t.Fatalf("ReadCast: %v", err)
	}
	if seal.Events < 5 || len(evs) != seal.Events {
		t.Errorf("%d events read, seal says %d; want >= 5 and equal", len(evs), seal.Events)
	}
	if got := outputText(evs); got != in.String() {
		t.Errorf("output differs from input (len %d vs %d)", len(got), in.Len())
	}
	for _, l := range strings.Split(m.String(), "\n") {
		if len(l) > DefaultMaxLine {
			t.Fatalf("line of %d bytes exceeds %d", len(l), DefaultMaxLine)
		}
	}
}

// TestCastFlushWithoutClose checks the crash guarantee: events reach the
// file within FlushEvery without Close, as a valid prefix.
func TestCastFlushWithoutClose(t *testing.T) {
	f, path := createFile(t)
	c, err := NewCast(f, testHeader(), CastOptions{FlushEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Output([]byte("hello ")); err != nil {
		t.Fatal(err)
	}
	if err := c.Output([]byte("world\r\n")); err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		_, evs, err = readFile(t, path)
		if err != nil {
			t.Fatalf("ReadCast of the unclosed file: %v", err)
		}
		if len(evs) == 2 {
			break
		}
	}
	if got, want := outputText(evs), "hello world\r\n"; got != want {
		t.Fatalf("unclosed file holds %q, want %q", got, want)
	}
	// The timer re-arms on the next write after a flush.
	c.Marker("later")
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && len(evs) < 3; time.Sleep(5 * time.Millisecond) {
		if _, evs, err = readFile(t, path); err != nil {
			t.Fatal(err)
		}
	}
	if len(evs) != 3 || evs[2].Code != "m" {
		t.Fatalf("after second flush: %+v, want the marker as third event", evs)
	}
}

// TestCastCrashPrefix cuts a finished file at every byte: a cut at a line
// boundary reads cleanly, any other cut reads as ErrTruncated, and the
// events returned are always a prefix of the full recording.
func TestCastCrashPrefix(t *testing.T) {
	var m memSink
	clk := newFakeClock()
	c, _ := NewCast(&m, testHeader(), CastOptions{Clock: clk.Now})
	for i := 0; i < 5; i++ {
		clk.Advance(time.Second / 3)
		c.Output([]byte("line €\r\n"))
	}
	c.Close()
	full := m.Bytes()
	_, all, err := ReadCast(bytes.NewReader(full), ReadLimits{})
	if err != nil {
		t.Fatal(err)
	}
	headerEnd := bytes.IndexByte(full, '\n') + 1
	for cut := headerEnd; cut <= len(full); cut++ {
		_, evs, err := ReadCast(bytes.NewReader(full[:cut]), ReadLimits{})
		// A line missing only its newline is complete and accepted.
		atBoundary := full[cut-1] == '\n' || cut < len(full) && full[cut] == '\n'
		switch {
		case atBoundary && err != nil:
			t.Errorf("cut %d at a line boundary: %v", cut, err)
		case !atBoundary && !errors.Is(err, ErrTruncated):
			t.Errorf("cut %d mid-line: err = %v, want ErrTruncated", cut, err)
		}
		if diff := cmp.Diff(all[:len(evs)], evs, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("cut %d: events are not a prefix (-want +got):\n%s", cut, diff)
		}
	}
}

func TestCastDiskFull(t *testing.T) {
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 1024) // 16 KiB
	for _, mode := range []Mode{Strict, BestEffort} {
		t.Run(mode.String(), func(t *testing.T) {
			var logs bytes.Buffer
			sink := &fullSink{limit: 40 << 10}
			c, err := NewCast(sink, testHeader(), CastOptions{Mode: mode, Log: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			var first error
			for i := 0; i < 10 && first == nil; i++ {
				first = c.Output(chunk)
			}
			if mode == Strict {
				if !errors.Is(first, errDiskFull) {
					t.Fatalf("Output on a full disk = %v, want errDiskFull", first)
				}
				for name, err := range map[string]error{
					"Output": c.Output([]byte("x")), "Resize": c.Resize(1, 1), "Marker": c.Marker("m"), "Err": c.Err(),
				} {
					if err != first {
						t.Errorf("%s after failure = %v, want the first error %v", name, err, first)
					}
				}
			} else {
				if first != nil {
					t.Fatalf("BestEffort Output = %v, want nil", first)
				}
				for i := 0; i < 5; i++ {
					if err := c.Output(chunk); err != nil {
						t.Fatalf("BestEffort Output after failure = %v", err)
					}
				}
				if !errors.Is(c.Err(), errDiskFull) {
					t.Errorf("Err() = %v, want errDiskFull", c.Err())
				}
				if n := strings.Count(logs.String(), "recording failed"); n != 1 {
					t.Errorf("failure logged %d times, want once:\n%s", n, logs.String())
				}
			}
			seal, err := c.Close()
			if !errors.Is(err, errDiskFull) {
				t.Errorf("Close = %v, want errDiskFull (the file is incomplete)", err)
			}
			if seal.SHA256 != sha256.Sum256(sink.buf.Bytes()) || seal.Size != int64(sink.buf.Len()) {
				t.Errorf("seal does not cover the bytes that reached the sink")
			}
			if _, err2 := c.Close(); err2 != err {
				t.Errorf("second Close = %v, want %v", err2, err)
			}
		})
	}
}

func TestCastSyncFailure(t *testing.T) {
	sink := &fullSink{limit: 1 << 20}
	c, err := NewCast(sink, testHeader(), CastOptions{})
	if err != nil {
		t.Fatal(err)
	}
	syncErr := errors.New("EIO")
	sink.syncErr = syncErr
	c.Output([]byte("x"))
	if _, err := c.Close(); !errors.Is(err, syncErr) {
		t.Errorf("Close with failing Sync = %v, want %v", err, syncErr)
	}
}

func TestCastSignedSealOnBlobDir(t *testing.T) {
	store, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	w, err := store.Create(t.Context(), "12/r_test.cast")
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	c, err := NewCast(blob.CommitOnClose(t.Context(), w), testHeader(), CastOptions{Signer: func(sum [32]byte) ([]byte, error) {
		return ed25519.Sign(priv, sum[:]), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	c.Output([]byte("signed\r\n"))
	seal, err := c.Close()
	if err != nil {
		t.Fatal(err)
	}
	r, size, err := store.Open(t.Context(), "12/r_test.cast")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sum, n, err := SumFile(r)
	if err != nil || sum != seal.SHA256 || n != seal.Size || size != n {
		t.Fatalf("file sum %x/%d (size %d), seal %x/%d, err %v", sum, n, size, seal.SHA256, seal.Size, err)
	}
	if !ed25519.Verify(pub, sum[:], seal.Signature) {
		t.Error("signature does not verify over the file's SHA-256")
	}
	signErr := errors.New("hsm offline")
	c2, _ := NewCast(&memSink{}, testHeader(), CastOptions{Signer: func([32]byte) ([]byte, error) { return nil, signErr }})
	if _, err := c2.Close(); !errors.Is(err, signErr) {
		t.Errorf("Close with failing signer = %v, want %v", err, signErr)
	}
}

func TestCastClosedAndNil(t *testing.T) {
	m := &memSink{}
	c, _ := NewCast(m, testHeader(), CastOptions{})
	s1, err := c.Close()
	if err != nil || !m.closed {
		t.Fatalf("Close = %v, sink closed %v", err, m.closed)
	}
	s2, err := c.Close()
	if err != nil || !cmp.Equal(s1, s2) {
		t.Errorf("second Close = %+v, %v; want %+v, nil", s2, err, s1)
	}
	for name, err := range map[string]error{"Output": c.Output([]byte("x")), "Resize": c.Resize(1, 1), "Marker": c.Marker("x")} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	var nilCast *Cast
	if err := errors.Join(nilCast.Output([]byte("x")), nilCast.Input([]byte("x")), nilCast.Resize(1, 1), nilCast.Marker("x"), nilCast.Err()); err != nil {
		t.Errorf("nil Cast returned %v", err)
	}
	if s, err := nilCast.Close(); err != nil || s.Size != 0 {
		t.Errorf("nil Cast Close = %+v, %v", s, err)
	}
}

func TestCastBadArguments(t *testing.T) {
	c, _ := NewCast(&memSink{}, testHeader(), CastOptions{})
	defer c.Close()
	for _, d := range [][2]int{{0, 1}, {1, 0}, {-1, 5}, {70000, 1}} {
		if err := c.Resize(d[0], d[1]); err == nil {
			t.Errorf("Resize(%d, %d) = nil, want error", d[0], d[1])
		}
	}
	if err := c.Marker(strings.Repeat("m", maxMarker+1)); err == nil {
		t.Error("huge marker accepted")
	}
	if err := c.Output([]byte("still fine")); err != nil {
		t.Errorf("Output after argument errors = %v, want nil (they are not sticky)", err)
	}
}

func TestCastConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	f, path := createFile(t)
	c, err := NewCast(f, testHeader(), CastOptions{FlushEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				c.Output([]byte("out €\r\n"))
				c.Input([]byte("in"))
				if i%50 == 0 {
					c.Resize(80+i, 24)
					c.Marker("m")
				}
			}
		}()
	}
	wg.Wait()
	seal, err := c.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, evs, err := readFile(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if want := 4 * (400 + 8); len(evs) != want || seal.Events != want {
		t.Errorf("%d events read, seal %d; want %d", len(evs), seal.Events, want)
	}
}

func TestAsciinemaCat(t *testing.T) {
	const bin = "/usr/bin/asciinema"
	if _, err := os.Stat(bin); err != nil {
		testenv.SkipOrFail(t, bin+" is not installed (apt-get install -y asciinema)")
	}
	f, path := createFile(t)
	clk := newFakeClock()
	c, err := NewCast(f, testHeader(), CastOptions{Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	c.Output([]byte("hello from \xe2\x82"))
	clk.Advance(time.Second)
	c.Output([]byte("\xac tether\r\n\x1b[1mbold\x1b[0m\r\n"))
	c.Resize(100, 30)
	c.Marker("chapter")
	if _, err := c.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := runAsciinemaCat(t, bin, path)
	if err != nil {
		t.Fatalf("asciinema cat: %v\n%s", err, out)
	}
	if !strings.Contains(out, "hello from € tether") {
		t.Errorf("asciinema cat output %q lacks the recorded text", out)
	}
}
