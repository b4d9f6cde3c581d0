package agent

import (
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/client/internal/shell"
	"github.com/tetherhq/tether/internal/wire"
)

// echoPoll is how often a shell's echo state is read when neither output
// nor input gives a reason to: it catches a program that turns echo off
// after printing its prompt.
const echoPoll = 100 * time.Millisecond

// echoReporter tells the gateway the shell terminal's echo state
// (wire.RequestEcho), so that input typed at a password prompt is recorded
// as a length only. It checks before each output chunk is forwarded and
// before each input chunk reaches the terminal, and every echoPoll.
type echoReporter struct {
	sh interface{ Echo() shell.Echo }
	ch interface {
		SendRequest(name string, wantReply bool, payload []byte) (bool, error)
	}

	mu   sync.Mutex // serializes notices, so they arrive in the order of the states
	last shell.Echo // last state sent; EchoUnknown until the first notice
}

func newEchoReporter(sh interface{ Echo() shell.Echo }, ch ssh.Channel) *echoReporter {
	return &echoReporter{sh: sh, ch: ch}
}

// check sends a notice when the state differs from the last one sent, and
// waits for the gateway's reply, so that the gateway has the state before
// anything that follows on the channel. An unknown state (Windows) is never
// sent: the gateway then keeps treating input as hidden.
func (r *echoReporter) check() {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.sh.Echo()
	if e == shell.EchoUnknown || e == r.last {
		return
	}
	n := wire.EchoNotice{Echo: wire.EchoOn}
	if e == shell.EchoOff {
		n.Echo = wire.EchoOff
	}
	// A false reply is an older gateway; an error is a closed channel,
	// which the copies notice by themselves.
	if _, err := r.ch.SendRequest(wire.RequestEcho, true, n.Marshal()); err == nil {
		r.last = e
	}
}

// poll checks every echoPoll until done is closed. A terminal that cannot
// tell its state (Windows) is not polled.
func (r *echoReporter) poll(done <-chan struct{}) {
	if r.sh.Echo() == shell.EchoUnknown {
		return
	}
	t := time.NewTicker(echoPoll)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			r.check()
		}
	}
}

// copyChecked copies src to dst like io.Copy, checking the echo state
// before each chunk is written.
func copyChecked(dst io.Writer, src io.Reader, echo *echoReporter) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			echo.check()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
