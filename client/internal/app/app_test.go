package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tetherhq/tether/client/internal/agent"
	"github.com/tetherhq/tether/client/internal/preset"
	"github.com/tetherhq/tether/client/internal/window"
	"github.com/tetherhq/tether/internal/wire"
)

const testPin = "2jmj7l5rSw0yVb_vlWAYkK_YBwk2jmj7l5rSw0yVb_s"

func bake(t *testing.T, gw, pin string) {
	t.Helper()
	og, op := preset.Gateway, preset.Pin
	preset.Gateway, preset.Pin = gw, pin
	t.Cleanup(func() { preset.Gateway, preset.Pin = og, op })
}

func TestFindJoinFromTheFileName(t *testing.T) {
	bake(t, "gw.example.com:8443", testPin)
	w, err := window.New(window.Config{Open: func(string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	j, err := findJoin(context.Background(), w, Options{Self: "/home/ann/Downloads/tether-client-K7QF3MZPXW9DHT2A-linux-amd64"})
	if err != nil || j.Code != "K7QF-3MZP-XW9D-HT2A" || j.Addr != "gw.example.com:8443" || preset.PinString(j.Fingerprint) != testPin {
		t.Fatalf("join %+v, %v", j, err)
	}
	given := wire.Join{Addr: "other:1", Code: "X"}
	if j, err := findJoin(context.Background(), w, Options{Join: &given, Self: "tether-client-K7QF3MZPXW9DHT2A"}); err != nil || j.Addr != "other:1" {
		t.Fatalf("the command line's join was not used: %+v, %v", j, err)
	}
	// No code in the name: the window asks (here: nobody answers before ctx ends).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := findJoin(ctx, w, Options{Self: "tether-client"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("no code: err = %v", err)
	}
}

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		err      error
		last     string
		want     string
		wantCode int
	}{
		{nil, "", "The session has ended.", 0},
		{nil, "Session ended: the technician ended the session.", "Session ended: the technician ended the session.", 0},
		{agent.ErrDeclined, "", "You declined. Nothing was shared.", 0},
		{fmt.Errorf("x: %w", agent.ErrLinkLost), "", "The session could not continue: x: connection to the gateway lost.", 1},
	} {
		got, code := outcome(tc.err, tc.last)
		if got != tc.want || code != tc.wantCode {
			t.Errorf("outcome(%v, %q) = %q, %d", tc.err, tc.last, got, code)
		}
		if strings.Contains(got, "Ctrl-C") {
			t.Errorf("a terminal hint in the window: %q", got)
		}
	}
}
