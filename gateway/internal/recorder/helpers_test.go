package recorder

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for event times.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// memSink is an in-memory Sink.
type memSink struct {
	bytes.Buffer
	syncs  int
	closed bool
}

func (m *memSink) Sync() error  { m.syncs++; return nil }
func (m *memSink) Close() error { m.closed = true; return nil }

var errDiskFull = errors.New("no space left on device (simulated)")

// fullSink accepts limit bytes, then fails every write, like a full disk.
type fullSink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	limit   int
	syncErr error
}

func (f *fullSink) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	room := f.limit - f.buf.Len()
	if room >= len(p) {
		return f.buf.Write(p)
	}
	if room > 0 {
		f.buf.Write(p[:room])
		return room, errDiskFull
	}
	return 0, errDiskFull
}

func (f *fullSink) Sync() error  { return f.syncErr }
func (f *fullSink) Close() error { return nil }

// createFile makes a recording file in a fresh temp dir.
func createFile(t *testing.T) (*os.File, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec.cast")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return f, path
}

func readFile(t *testing.T, path string) (Header, []Event, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ReadCast(f, ReadLimits{})
}

func testHeader() Header {
	return Header{Version: 2, Width: 80, Height: 24, Timestamp: 1795000000, Title: "shell on bob-laptop",
		Env: map[string]string{"TERM": "xterm-256color", "SHELL": "/bin/bash"}}
}

// outputText concatenates the data of the "o" events.
func outputText(evs []Event) string {
	var b bytes.Buffer
	for _, e := range evs {
		if e.Code == "o" {
			b.WriteString(e.Data)
		}
	}
	return b.String()
}
