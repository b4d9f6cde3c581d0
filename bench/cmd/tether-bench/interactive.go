package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"
)

// sideResult holds one transport's interactive figures.
type sideResult struct {
	EchoMS        dist      `json:"echo_ms"`
	ThroughputMB  []float64 `json:"throughput_mb_s"` // one per run
	ThroughputMed float64   `json:"throughput_mb_s_median"`
	SetupMS       dist      `json:"setup_ms"`
	ConnectMS     dist      `json:"connect_ms,omitempty"` // Tether: client start → session connected
	Error         string    `json:"error,omitempty"`
}

// interactiveTether measures a real tether-client behind a real gateway.
func (b *bench) interactiveTether(ctx context.Context) (*sideResult, error) {
	dir := b.tempDir("interactive-gateway")
	g, err := startGateway(ctx, b.procs, b.bin, dir)
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
	ev, err := admin.followSessions()
	if err != nil {
		return nil, err
	}
	defer ev.close()
	res := &sideResult{}

	// One session for echo and throughput; each measurement gets a fresh shell.
	ticket, err := admin.ticket("bench interactive")
	if err != nil {
		return nil, err
	}
	join, err := admin.invite(ticket, "shell")
	if err != nil {
		return nil, err
	}
	cl, err := b.startClient(dir, join)
	if err != nil {
		return nil, err
	}
	defer stopProc(cl, 5*time.Second)
	sid, _, err := ev.waitTicket(ticket, 30*time.Second)
	if err != nil {
		return nil, err
	}
	ws, err := admin.dialShell(sid, 120, 40)
	if err != nil {
		return nil, err
	}
	t := wsTerm(ws)
	echo, err := echoRTT(t, b.echoSamples)
	t.close()
	if err != nil {
		return nil, fmt.Errorf("tether echo: %w", err)
	}
	res.EchoMS = summarize(echo)
	b.progress("tether echo: p50 %.3f ms, p99 %.3f ms (%d samples)", res.EchoMS.P50, res.EchoMS.P99, res.EchoMS.N)

	for i := 0; i < b.thrRuns; i++ {
		ws, err := admin.dialShell(sid, 120, 40)
		if err != nil {
			return nil, err
		}
		t := wsTerm(ws)
		mbs, n, err := throughput(t, b.thrBytes)
		t.close()
		if err != nil {
			return nil, fmt.Errorf("tether throughput: %w", err)
		}
		res.ThroughputMB = append(res.ThroughputMB, mbs)
		b.progress("tether throughput run %d: %.1f MB/s (%d bytes)", i+1, mbs, n)
	}
	res.ThroughputMed = median(res.ThroughputMB)
	stopProc(cl, 5*time.Second)

	// Session set-up: the user has accepted (--accept) when the client starts.
	var setup, connect []float64
	for i := 0; i < b.setupRuns; i++ {
		ticket, err := admin.ticket(fmt.Sprintf("bench setup %d", i))
		if err != nil {
			return nil, err
		}
		join, err := admin.invite(ticket, "shell")
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		cl, err := b.startClient(dir, join)
		if err != nil {
			return nil, err
		}
		sid, at, err := ev.waitTicket(ticket, 30*time.Second)
		if err != nil {
			stopProc(cl, 5*time.Second)
			return nil, err
		}
		ws, err := admin.dialShell(sid, 80, 24)
		if err != nil {
			stopProc(cl, 5*time.Second)
			return nil, err
		}
		t := wsTerm(ws)
		_, err = t.waitFor("", 20*time.Second) // the first output is the prompt
		el := time.Since(t0)
		t.close()
		stopProc(cl, 5*time.Second)
		if err != nil {
			return nil, fmt.Errorf("tether setup: %w", err)
		}
		setup = append(setup, ms(el))
		connect = append(connect, ms(at.Sub(t0)))
	}
	res.SetupMS, res.ConnectMS = summarize(setup), summarize(connect)
	b.progress("tether set-up (client start → prompt): p50 %.1f ms, p99 %.1f ms; of which to connected p50 %.1f ms",
		res.SetupMS.P50, res.SetupMS.P99, res.ConnectMS.P50)
	return res, nil
}

func (b *bench) startClient(dir, join string) (*exec.Cmd, error) {
	cmd := exec.Command(filepath.Join(b.bin, "tether-client"), "join", "--accept", "shell", join)
	cmd.Env = append(os.Environ(), "SHELL=/bin/sh")
	cmd.Dir = dir
	if err := b.procs.start(cmd); err != nil {
		return nil, fmt.Errorf("start tether-client: %w", err)
	}
	return cmd, nil
}

// interactiveOpenSSH measures the same things against Debian's sshd with
// the x/crypto/ssh client library (the gateway's own SSH client).
func (b *bench) interactiveOpenSSH(ctx context.Context) (*sideResult, error) {
	s, err := startSSHD(b.procs, b.tempDir("sshd"))
	if err != nil {
		return nil, err
	}
	defer s.stop()
	res := &sideResult{}
	conn, err := ssh.Dial("tcp", s.addr, s.client)
	if err != nil {
		return nil, fmt.Errorf("ssh dial: %w", err)
	}
	defer conn.Close()
	t, err := sshShell(conn, 120, 40)
	if err != nil {
		return nil, err
	}
	echo, err := echoRTT(t, b.echoSamples)
	t.close()
	if err != nil {
		return nil, fmt.Errorf("openssh echo: %w", err)
	}
	res.EchoMS = summarize(echo)
	b.progress("openssh echo: p50 %.3f ms, p99 %.3f ms", res.EchoMS.P50, res.EchoMS.P99)
	for i := 0; i < b.thrRuns; i++ {
		t, err := sshShell(conn, 120, 40)
		if err != nil {
			return nil, err
		}
		mbs, n, err := throughput(t, b.thrBytes)
		t.close()
		if err != nil {
			return nil, fmt.Errorf("openssh throughput: %w", err)
		}
		res.ThroughputMB = append(res.ThroughputMB, mbs)
		b.progress("openssh throughput run %d: %.1f MB/s (%d bytes)", i+1, mbs, n)
	}
	res.ThroughputMed = median(res.ThroughputMB)
	var setup []float64
	setupStart := time.Now()
	for i := 0; i < b.setupRuns; i++ {
		// sshd's session start can take seconds on a loaded box: cap the time.
		if i >= 5 && time.Since(setupStart) > time.Minute {
			b.progress("openssh set-up: stopping after %d samples (1 minute cap)", i)
			break
		}
		t0 := time.Now()
		c, err := ssh.Dial("tcp", s.addr, s.client)
		if err != nil {
			return nil, fmt.Errorf("ssh dial: %w", err)
		}
		t, err := sshShell(c, 80, 24)
		if err != nil {
			c.Close()
			return nil, err
		}
		_, err = t.waitFor("", 20*time.Second)
		el := time.Since(t0)
		t.close()
		c.Close()
		if err != nil {
			return nil, fmt.Errorf("openssh setup: %w", err)
		}
		setup = append(setup, ms(el))
	}
	res.SetupMS = summarize(setup)
	b.progress("openssh set-up (dial → prompt): p50 %.1f ms, p99 %.1f ms", res.SetupMS.P50, res.SetupMS.P99)
	return res, nil
}
