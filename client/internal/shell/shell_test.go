package shell

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// readUntil reads from r until want appears or the deadline passes.
func readUntil(t *testing.T, r io.Reader, want string) string {
	t.Helper()
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		p := make([]byte, 4096)
		for !strings.Contains(buf.String(), want) {
			n, err := r.Read(p)
			buf.Write(p[:n])
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("did not see %q in output; got %q", want, buf.String())
	}
	if !strings.Contains(buf.String(), want) {
		t.Fatalf("output ended without %q; got %q", want, buf.String())
	}
	return buf.String()
}

func TestShellRunsCommandAndResizes(t *testing.T) {
	s, err := Start(Config{Shell: "/bin/sh", Cols: 100, Rows: 30})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer s.Close()
	if _, err := s.Write([]byte("stty size; echo MARK-$((40+2))\n")); err != nil {
		t.Fatal(err)
	}
	out := readUntil(t, s, "MARK-42")
	if !strings.Contains(out, "30 100") {
		t.Errorf("stty size: got %q, want it to contain %q", out, "30 100")
	}
	if err := s.Resize(120, 40); err != nil {
		t.Fatalf("Resize: %v", err)
	}
	s.Write([]byte("stty size\n"))
	readUntil(t, s, "40 120")
	if err := s.Resize(0, 5); err == nil {
		t.Error("Resize(0,5): got nil error, want refusal")
	}
}

func TestShellExitCode(t *testing.T) {
	s, err := Start(Config{Shell: "/bin/sh"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Write([]byte("exit 7\n"))
	go io.Copy(io.Discard, s)
	if got := s.ExitCode(); got != 7 {
		t.Errorf("ExitCode: got %d, want 7", got)
	}
}

func TestCloseKillsShell(t *testing.T) {
	s, err := Start(Config{Shell: "/bin/sh", Args: []string{"-c", "trap '' HUP; sleep 60"}})
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, s)
	s.Close()
	select {
	case <-s.Done():
	default:
		t.Fatal("Close returned before the process was reaped")
	}
}
