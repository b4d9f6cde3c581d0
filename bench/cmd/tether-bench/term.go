package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/gorilla/websocket"
)

// term is one interactive shell seen from the technician's side, whatever
// carries it (Tether's WebSocket or an OpenSSH session). Output arrives as
// chunks from a reader goroutine; both transports pay the same hand-off.
type term struct {
	write  func(p []byte) error
	chunks chan []byte
	close  func()
}

// wsTerm wraps a shell WebSocket: binary frames are terminal bytes.
func wsTerm(ws *websocket.Conn) *term {
	t := &term{chunks: make(chan []byte, 256)}
	t.write = func(p []byte) error { return ws.WriteMessage(websocket.BinaryMessage, p) }
	go func() {
		defer close(t.chunks)
		for {
			typ, r, err := ws.NextReader()
			if err != nil {
				return
			}
			if typ != websocket.BinaryMessage {
				continue
			}
			b, err := io.ReadAll(r)
			if err != nil {
				return
			}
			t.chunks <- b
		}
	}()
	t.close = func() {
		ws.Close()
		for range t.chunks {
		}
	}
	return t
}

// readerTerm wraps a byte stream pair (an SSH session's stdin and stdout).
func readerTerm(w io.Writer, r io.Reader, closer func()) *term {
	t := &term{chunks: make(chan []byte, 256)}
	t.write = func(p []byte) error { _, err := w.Write(p); return err }
	go func() {
		defer close(t.chunks)
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				t.chunks <- bytes.Clone(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	t.close = func() {
		closer()
		for range t.chunks {
		}
	}
	return t
}

var errClosed = errors.New("terminal closed")

// waitFor reads until the output contains want.
func (t *term) waitFor(want string, timeout time.Duration) (int64, error) {
	var n int64
	tail := []byte{}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case b, ok := <-t.chunks:
			if !ok {
				return n, errClosed
			}
			n += int64(len(b))
			tail = append(tail, b...)
			if bytes.Contains(tail, []byte(want)) {
				return n, nil
			}
			if len(tail) > 2*len(want)+64 {
				tail = append(tail[:0], tail[len(tail)-len(want):]...)
			}
		case <-timer.C:
			return n, fmt.Errorf("no %q within %s", want, timeout)
		}
	}
}

// drain discards output until none arrives for quiet.
func (t *term) drain(quiet time.Duration) {
	for {
		select {
		case _, ok := <-t.chunks:
			if !ok {
				return
			}
		case <-time.After(quiet):
			return
		}
	}
}

// echoRTT measures keystroke echo: one byte written, wait for that byte to
// come back from the pty's line discipline (the shell runs `cat` with the
// terminal in non-canonical mode, so the echo is immediate and no line
// buffer fills up). Returns samples in milliseconds.
func echoRTT(t *term, n int) ([]float64, error) {
	if err := t.write([]byte("stty -icanon; exec cat >/dev/null\n")); err != nil {
		return nil, err
	}
	if err := t.write([]byte("SYNC")); err != nil {
		return nil, err
	}
	if _, err := t.waitFor("SYNC", 20*time.Second); err != nil {
		return nil, fmt.Errorf("echo setup: %w", err)
	}
	t.drain(300 * time.Millisecond)
	const warmup = 50
	var out []float64
	keys := []byte("abcdefghijklmnopqrstuvwxyz")
	for i := 0; i < n+warmup; i++ {
		k := keys[i%len(keys)]
		t0 := time.Now()
		if err := t.write([]byte{k}); err != nil {
			return nil, err
		}
	wait:
		for {
			select {
			case b, ok := <-t.chunks:
				if !ok {
					return nil, errClosed
				}
				if bytes.IndexByte(b, k) >= 0 {
					break wait
				}
			case <-time.After(10 * time.Second):
				return nil, fmt.Errorf("echo of %q never came back", k)
			}
		}
		if i >= warmup {
			out = append(out, ms(time.Since(t0)))
		}
	}
	return out, nil
}

// throughput runs `head -c size /dev/zero | base64` in the shell and counts
// the bytes that reach the technician until the end marker. Returns MB/s
// (10^6 bytes) and the bytes counted.
func throughput(t *term, size int64) (float64, int64, error) {
	t.drain(300 * time.Millisecond)
	cmd := fmt.Sprintf("stty -echo; head -c %d /dev/zero | base64; echo BENCH''DONE\n", size)
	t0 := time.Now()
	if err := t.write([]byte(cmd)); err != nil {
		return 0, 0, err
	}
	n, err := t.waitFor("BENCHDONE", 3*time.Minute)
	if err != nil {
		return 0, n, err
	}
	el := time.Since(t0).Seconds()
	return float64(n) / el / 1e6, n, nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// dist summarises samples.
type dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func summarize(xs []float64) dist {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return dist{N: len(s), P50: quantile(s, 0.5), P90: quantile(s, 0.9), P99: quantile(s, 0.99), Max: quantile(s, 1)}
}

// quantile returns the q-quantile of sorted xs (nearest rank), 0 when empty.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(q*float64(len(xs))+0.5) - 1
	i = min(max(i, 0), len(xs)-1)
	return xs[i]
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return quantile(s, 0.5)
}
