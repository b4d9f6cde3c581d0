package e2e

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Benchmarks through the real path: WebSocket client → gateway (TLS, in
// process) → SSH over WebSocket → tether-client binary → pty, with the
// recording on. `make bench` runs them; the side-by-side comparison with
// OpenSSH is bench/cmd/tether-bench (docs/performance.md).

// inner runs a measurement that needs the *testing.T harness and reports
// its figures on b.
func inner(b *testing.B, name string, f func(t *testing.T, report func(float64, string))) {
	metrics := map[string]float64{}
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: name, F: func(t *testing.T) { f(t, func(v float64, unit string) { metrics[unit] = v }) }}})
	if !ok {
		b.Fatalf("%s measurement failed", name)
	}
	for unit, v := range metrics {
		b.ReportMetric(v, unit)
	}
}

// shellForBench opens a recorded shell running `stty raw -echo; cat`-free
// plain sh with echo on, so every byte typed comes back from the pty.
func shellForBench(t *testing.T) (*gw, *websocket.Conn) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(admin, ticket, "connected")
	ws, _, err := g.dialShell(admin, s.ID, 200, 50, "")
	if err != nil {
		t.Fatalf("dial shell: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	return g, ws
}

// BenchmarkKeystrokeEcho: one byte typed, until its echo comes back (p50, p99).
func BenchmarkKeystrokeEcho(b *testing.B) {
	inner(b, "KeystrokeEcho", func(t *testing.T, report func(float64, string)) {
		_, ws := shellForBench(t)
		ws.WriteMessage(websocket.BinaryMessage, []byte("stty -icanon; PS1=; cat >/dev/null\n"))
		readUntil(t, ws, "cat >/dev/null")
		// Upper-case letters only: nothing on the screen so far contains one,
		// so the first frame holding the byte is its echo.
		const n = 1000
		lat := make([]time.Duration, 0, n)
		for i := 0; i < n; i++ {
			c := byte('A' + i%26)
			start := time.Now()
			ws.WriteMessage(websocket.BinaryMessage, []byte{c})
			ws.SetReadDeadline(time.Now().Add(10 * time.Second))
			for got := false; !got; {
				_, p, err := ws.ReadMessage()
				if err != nil {
					t.Fatalf("echo %d: %v", i, err)
				}
				got = bytes.IndexByte(p, c) >= 0
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		report(float64(lat[n/2].Microseconds())/1000, "p50-ms")
		report(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
	})
}

// BenchmarkShellThroughput: bulk output from the shell to the technician.
func BenchmarkShellThroughput(b *testing.B) {
	inner(b, "ShellThroughput", func(t *testing.T, report func(float64, string)) {
		_, ws := shellForBench(t)
		const size = 32 << 20
		ws.WriteMessage(websocket.BinaryMessage, []byte("head -c 33554432 /dev/zero | tr '\\0' 'x'; echo; echo DONE''-MARK\n"))
		ws.SetReadDeadline(time.Now().Add(2 * time.Minute))
		var n int
		var start time.Time
		tail := []byte{}
		for {
			_, p, err := ws.ReadMessage()
			if err != nil {
				t.Fatalf("read: %v after %d bytes", err, n)
			}
			if start.IsZero() && bytes.IndexByte(p, 'x') >= 0 {
				start = time.Now()
			}
			n += len(p)
			tail = append(tail, p...)
			if len(tail) > 64 {
				tail = tail[len(tail)-64:]
			}
			if bytes.Contains(tail, []byte("DONE-MARK")) {
				break
			}
		}
		if n < size {
			t.Fatalf("got %d bytes, want at least %d", n, size)
		}
		report(float64(size)/time.Since(start).Seconds()/1e6, "MB/s")
	})
}
