package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"
)

// transportResult compares the transports without a pty: on this class of
// machine the kernel's pty moves only a few MB/s under load, which hides
// what the gateway itself can carry.
type transportResult struct {
	Tether  *sideResult `json:"tether"`
	OpenSSH *sideResult `json:"openssh"`
	Bytes   int64       `json:"file_bytes"`
}

// makeTextFile writes size bytes of base64 text in 76-column CRLF lines.
func makeTextFile(path string, size int64) error {
	raw := make([]byte, 48<<10)
	rand.Read(raw)
	enc := base64.StdEncoding.EncodeToString(raw)
	var block []byte
	for len(enc) >= 76 {
		block = append(block, enc[:76]...)
		block = append(block, '\r', '\n')
		enc = enc[76:]
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for n := int64(0); n < size; n += int64(len(block)) {
		if _, err := f.Write(block[:min(int64(len(block)), size-n)]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// fileRate sends cmd and counts bytes until BENCHDONE; returns MB/s.
func fileRate(t *term, cmd string) (float64, int64, error) {
	t.drain(200 * time.Millisecond)
	t0 := time.Now()
	if err := t.write([]byte(cmd)); err != nil {
		return 0, 0, err
	}
	n, err := t.waitFor("BENCHDONE", 3*time.Minute)
	if err != nil {
		return 0, n, err
	}
	return float64(n) / time.Since(t0).Seconds() / 1e6, n, nil
}

func (b *bench) transport(ctx context.Context) (*transportResult, error) {
	dir := b.tempDir("transport")
	file := filepath.Join(dir, "payload.txt")
	if err := makeTextFile(file, b.thrBytes); err != nil {
		return nil, err
	}
	res := &transportResult{Bytes: b.thrBytes, Tether: &sideResult{}, OpenSSH: &sideResult{}}

	// Tether: the gateway records and relays; the agent is tether-loadgen's
	// synthetic shell (echo + cat FILE, no pty, no process).
	g, err := startGateway(ctx, b.procs, b.bin, b.tempDir("transport-gateway"))
	if err != nil {
		return nil, err
	}
	defer g.stop()
	admin, err := newAPI(g)
	if err != nil {
		return nil, err
	}
	if admin, err = admin.as("admin", adminPassword, "127.0.0.1"); err != nil {
		return nil, err
	}
	ticket, err := admin.ticket("bench transport")
	if err != nil {
		return nil, err
	}
	join, err := admin.invite(ticket, "shell")
	if err != nil {
		return nil, err
	}
	l, err := b.startLoadgen([]string{join}, "--synthetic", "--source", "127.6.0.1")
	if err != nil {
		return nil, err
	}
	defer l.stop()
	if _, err := l.waitReady(ctx, l.ready, time.Minute); err != nil {
		return nil, err
	}
	ids := l.sessions()
	if len(ids) != 1 {
		return nil, fmt.Errorf("synthetic agent did not connect")
	}
	ws, err := admin.dialShell(ids[0], 120, 40)
	if err != nil {
		return nil, err
	}
	t := wsTerm(ws)
	echo, err := echoRTT(t, b.echoSamples)
	if err != nil {
		t.close()
		return nil, fmt.Errorf("tether transport echo: %w", err)
	}
	res.Tether.EchoMS = summarize(echo)
	for i := 0; i < b.thrRuns; i++ {
		mbs, _, err := fileRate(t, "\ncat "+file+"\n") // newline first: the echo test left a partial line
		if err != nil {
			t.close()
			return nil, fmt.Errorf("tether transport throughput: %w", err)
		}
		res.Tether.ThroughputMB = append(res.Tether.ThroughputMB, mbs)
	}
	t.close()
	res.Tether.ThroughputMed = median(res.Tether.ThroughputMB)
	b.progress("transport, Tether (no pty): echo p50 %.3f ms p99 %.3f ms; throughput %.1f MB/s", res.Tether.EchoMS.P50, res.Tether.EchoMS.P99, res.Tether.ThroughputMed)

	// OpenSSH: `cat` over pipes, no pty.
	s, err := startSSHD(b.procs, b.tempDir("transport-sshd"))
	if err != nil {
		return res, err
	}
	defer s.stop()
	conn, err := ssh.Dial("tcp", s.addr, s.client)
	if err != nil {
		return res, fmt.Errorf("ssh dial: %w", err)
	}
	defer conn.Close()
	et, err := sshExec(conn, "exec cat")
	if err != nil {
		return res, err
	}
	echo, err = echoRTT(et, b.echoSamples)
	et.close()
	if err != nil {
		return res, fmt.Errorf("openssh transport echo: %w", err)
	}
	res.OpenSSH.EchoMS = summarize(echo)
	for i := 0; i < b.thrRuns; i++ {
		ft, err := sshExec(conn, "cat "+file+"; echo BENCHDONE")
		if err != nil {
			return res, err
		}
		mbs, _, err := fileRate(ft, "")
		ft.close()
		if err != nil {
			return res, fmt.Errorf("openssh transport throughput: %w", err)
		}
		res.OpenSSH.ThroughputMB = append(res.OpenSSH.ThroughputMB, mbs)
	}
	res.OpenSSH.ThroughputMed = median(res.OpenSSH.ThroughputMB)
	b.progress("transport, OpenSSH (no pty): echo p50 %.3f ms p99 %.3f ms; throughput %.1f MB/s", res.OpenSSH.EchoMS.P50, res.OpenSSH.EchoMS.P99, res.OpenSSH.ThroughputMed)
	return res, nil
}

// sshExec runs cmd without a pty; the term's output is the command's stdout.
func sshExec(conn *ssh.Client, cmd string) (*term, error) {
	sess, err := conn.NewSession()
	if err != nil {
		return nil, fmt.Errorf("ssh session: %w", err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := sess.Start(cmd); err != nil {
		sess.Close()
		return nil, fmt.Errorf("ssh exec: %w", err)
	}
	return readerTerm(in, out, func() { sess.Close() }), nil
}
