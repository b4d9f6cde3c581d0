package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSyntheticShell(t *testing.T) {
	file := filepath.Join(t.TempDir(), "payload.txt")
	payload := strings.Repeat("0123456789abcdef\r\n", 10000)
	if err := os.WriteFile(file, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	sh := newSynthetic()
	out := make(chan string, 1)
	go func() { // the agent's output copy
		b, _ := io.ReadAll(sh)
		out <- string(b)
	}()
	for _, in := range []string{"hel", "lo\r", "cat " + file + "\n", "bye"} {
		if n, err := sh.Write([]byte(in)); n != len(in) || err != nil {
			t.Fatalf("Write(%q): got %d, %v; want %d, nil", in, n, err, len(in))
		}
	}
	select {
	case <-sh.Done():
		t.Fatal("Done closed before Close")
	default:
	}
	sh.Close()
	got := <-out
	want := "$ hello\r" + "cat " + file + "\n" + payload + "BENCHDONE\r\n$ " + "bye"
	if got != want {
		t.Errorf("output: got %d bytes, want %d; starts %q", len(got), len(want), got[:min(len(got), 40)])
	}
	if code := sh.ExitCode(); code != 0 {
		t.Errorf("ExitCode: got %d, want 0", code)
	}
	if _, err := sh.Write([]byte("x")); err == nil {
		t.Error("Write after Close: got no error")
	}
}

// A Write blocked on output nobody reads returns once the shell is closed:
// the agent closes the shell when the technician goes away.
func TestSyntheticCloseUnblocksWrite(t *testing.T) {
	sh := newSynthetic()
	r := bufio.NewReader(sh)
	if p, err := r.ReadString(' '); p != "$ " || err != nil {
		t.Fatalf("prompt: got %q, %v", p, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := sh.Write([]byte("nobody reads this echo"))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	sh.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("blocked Write: got no error after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Write still blocked 5s after Close")
	}
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Read after Close: got %v, want EOF", err)
	}
}
