package broker

import (
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// joinServing joins a session whose agent serves channels with fn.
func joinServing(t *testing.T, fn func(ssh.NewChannel)) *Live {
	t.Helper()
	h := newHarness(t)
	h.channels = fn
	l := h.join(h.invite("shell", "diagnostics", "screen"), "shell", "diagnostics", "screen")
	live, err := h.b.Live(l.welcome.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	return live
}

func TestDiagRun(t *testing.T) {
	got := make(chan wire.DiagRequest, 1)
	live := joinServing(t, func(nc ssh.NewChannel) {
		if nc.ChannelType() != wire.ChannelDiag {
			nc.Reject(ssh.UnknownChannelType, "no")
			return
		}
		ch, reqs, err := nc.Accept()
		if err != nil {
			return
		}
		go ssh.DiscardRequests(reqs)
		defer ch.Close()
		req, err := wire.DiagReadRequest(ch)
		if err != nil {
			t.Errorf("agent: read request: %v", err)
			return
		}
		got <- req
		for _, name := range req.Checks {
			wire.DiagWriteEvent(ch, wire.DiagEvent{Type: wire.DiagEventResult, Result: &wire.DiagResult{Name: name, Status: wire.DiagOK, Summary: "fine"}})
		}
		wire.DiagWriteEvent(ch, wire.DiagEvent{Type: wire.DiagEventDone})
	})
	run, err := live.OpenDiag("Tina")
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	checks := wire.DiagChecks[:2]
	if err := run.Send(wire.DiagRequest{Checks: checks}); err != nil {
		t.Fatal(err)
	}
	if req := <-got; len(req.Checks) != 2 || req.Checks[0] != checks[0] {
		t.Errorf("agent got checks %v, want %v", req.Checks, checks)
	}
	var names []string
	for {
		ev, err := run.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == wire.DiagEventDone {
			break
		}
		names = append(names, ev.Result.Name)
	}
	if len(names) != 2 || names[0] != checks[0] || names[1] != checks[1] {
		t.Errorf("results %v, want %v", names, checks)
	}
	if err := run.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	run.Close() // twice is fine
}

func TestScreenStream(t *testing.T) {
	ctl := make(chan *wire.ScreenControl, 1)
	live := joinServing(t, func(nc ssh.NewChannel) {
		ch, reqs, err := nc.Accept()
		if err != nil {
			return
		}
		go ssh.DiscardRequests(reqs)
		defer ch.Close()
		wire.ScreenEncodeHello(ch, &wire.ScreenHello{Width: 640, Height: 480, Display: ":0"})
		c, err := wire.ScreenDecodeControl(ch)
		if err != nil {
			t.Errorf("agent: read control: %v", err)
			return
		}
		ctl <- c
	})
	st, err := live.OpenScreen("Tina")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hello, err := wire.ScreenDecodeHello(st)
	if err != nil || hello.Width != 640 || hello.Display != ":0" {
		t.Fatalf("hello %+v, %v", hello, err)
	}
	if err := wire.ScreenEncodeControl(st, &wire.ScreenControl{Type: wire.ScreenKeyframe}); err != nil {
		t.Fatal(err)
	}
	if c := <-ctl; c.Type != wire.ScreenKeyframe {
		t.Errorf("agent got control %+v, want a keyframe request", c)
	}
	if _, err := st.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("read after the agent closed: %v, want EOF", err)
	}
}

func TestHandlesRefused(t *testing.T) {
	live := joinServing(t, func(nc ssh.NewChannel) { nc.Reject(ssh.Prohibited, "the user did not grant it") })
	var re *RefusedError
	if _, err := live.OpenDiag("Tina"); !errors.As(err, &re) || re.Reason != "the user did not grant it" {
		t.Errorf("OpenDiag refused: %v, want a RefusedError with the agent's reason", err)
	}
	if _, err := live.OpenScreen("Tina"); !errors.As(err, &re) {
		t.Errorf("OpenScreen refused: %v, want a RefusedError", err)
	}
	if _, err := live.OpenShell("Tina", "", 80, 24); !errors.As(err, &re) {
		t.Errorf("OpenShell refused: %v, want a RefusedError", err)
	}
}

func TestShellHandle(t *testing.T) {
	live := joinServing(t, func(nc ssh.NewChannel) {
		ch, reqs, err := nc.Accept()
		if err != nil {
			return
		}
		for req := range reqs {
			switch req.Type {
			case "pty-req", "window-change":
				req.Reply(true, nil)
			case "shell":
				req.Reply(true, nil)
				go func() {
					ok, _ := ch.SendRequest(wire.RequestEcho, true, wire.EchoNotice{Echo: wire.EchoOff}.Marshal())
					if !ok {
						t.Error("agent: echo notice not acknowledged")
					}
					buf := make([]byte, 16)
					n, _ := ch.Read(buf)
					ch.Write(append([]byte("you typed "), buf[:n]...))
					ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{3}))
					ch.Close()
				}()
			default:
				req.Reply(false, nil)
			}
		}
	})
	sh, err := live.OpenShell("Tina", "", 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	echo := make(chan [2]bool, 4)
	sh.OnEcho(func(known, off bool) { echo <- [2]bool{known, off} })
	// OnEcho reports the state at once (unknown, unless the notice came
	// first), then the notice.
	for e := range echo {
		if e == [2]bool{true, true} {
			break
		}
		if e != [2]bool{false, false} {
			t.Fatalf("echo state %v, want unknown, then known and off", e)
		}
	}
	if err := sh.Resize(100, 30); err != nil {
		t.Errorf("Resize: %v", err)
	}
	if err := sh.Resize(0, 30); err == nil {
		t.Error("Resize to 0 columns: no error")
	}
	sh.Write([]byte("ls"))
	out, _ := io.ReadAll(sh)
	if string(out) != "you typed ls" {
		t.Errorf("output %q", out)
	}
	if code, ok := sh.ExitStatus(); !ok || code != 3 {
		t.Errorf("ExitStatus = %d, %v; want 3, true", code, ok)
	}
	if err := sh.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestDiagCollect(t *testing.T) {
	live := joinServing(t, func(nc ssh.NewChannel) {
		ch, reqs, err := nc.Accept()
		if err != nil {
			return
		}
		go ssh.DiscardRequests(reqs)
		defer ch.Close()
		if _, err := wire.DiagReadRequest(ch); err != nil {
			return
		}
		for _, name := range wire.DiagChecks[:3] {
			wire.DiagWriteEvent(ch, wire.DiagEvent{Type: wire.DiagEventResult, Result: &wire.DiagResult{Name: name, Status: wire.DiagWarn}})
		}
		wire.DiagWriteEvent(ch, wire.DiagEvent{Type: wire.DiagEventError, Error: "no more\x07 checks today"})
	})
	run, err := live.OpenDiag("Tina")
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	if err := run.Send(wire.DiagRequest{}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	results, err := run.Collect(2, func(r wire.DiagResult) { seen = append(seen, r.Name) })
	var re *RefusedError
	if !errors.As(err, &re) || strings.ContainsRune(re.Reason, '\x07') || !strings.Contains(re.Reason, "checks today") {
		t.Errorf("Collect error %v, want the agent's refusal, cleaned", err)
	}
	if len(results) != 2 || len(seen) != 2 || results[1].Name != wire.DiagChecks[1] {
		t.Errorf("results %v (seen %v), want the first 2 of 3", results, seen)
	}
}
