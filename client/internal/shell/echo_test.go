//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package shell

import (
	"os"
	"testing"
	"time"
)

func TestEchoOf(t *testing.T) {
	for _, tc := range []struct {
		echo, canonical bool
		want            Echo
	}{
		{echo: true, canonical: true, want: EchoOn},   // a plain terminal
		{echo: false, canonical: true, want: EchoOff}, // password prompt, stty -echo
		{echo: false, canonical: false, want: EchoOn}, // readline, vim: the program draws input
		{echo: true, canonical: false, want: EchoOn},  // cbreak with echo
	} {
		if got := echoOf(tc.echo, tc.canonical); got != tc.want {
			t.Errorf("echoOf(echo=%v, icanon=%v): got %v, want %v", tc.echo, tc.canonical, got, tc.want)
		}
	}
}

// waitEcho polls the terminal's state until it is want: the shell changes
// it between writing its output and reading the next line.
func waitEcho(t *testing.T, s *Shell, want Echo) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Echo() != want {
		if time.Now().After(deadline) {
			t.Fatalf("echo state: got %v, want %v", s.Echo(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestShellEchoFollowsStty(t *testing.T) {
	s, err := Start(Config{Shell: "/bin/sh"})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer s.Close()
	if got := s.Echo(); got != EchoOn {
		t.Errorf("echo state of a new shell: got %v, want on", got)
	}
	s.Write([]byte("stty -echo; echo OFF-$((1+1))\n"))
	readUntil(t, s, "OFF-2")
	// stty has run before the echo that printed OFF-2: no waiting needed.
	if got := s.Echo(); got != EchoOff {
		t.Errorf("echo state after stty -echo: got %v, want off", got)
	}
	s.Write([]byte("stty echo; echo ON-$((2+2))\n"))
	readUntil(t, s, "ON-4")
	if got := s.Echo(); got != EchoOn {
		t.Errorf("echo state after stty echo: got %v, want on", got)
	}
}

// TestShellEchoReadline checks the case ECHO alone would get wrong: bash's
// line editor clears ECHO at every prompt and echoes by itself.
func TestShellEchoReadline(t *testing.T) {
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("no /bin/bash")
	}
	s, err := Start(Config{Shell: "/bin/bash", Args: []string{"--norc", "--noprofile", "-i"}, Env: []string{"PS1=READY$ "}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer s.Close()
	s.Write([]byte("stty -echo; read x; echo GOT-${#x}\n"))
	waitEcho(t, s, EchoOff) // bash runs read with the terminal as stty left it
	s.Write([]byte("secret\n"))
	readUntil(t, s, "GOT-6")
	waitEcho(t, s, EchoOn) // back at readline's prompt, in raw mode
}
