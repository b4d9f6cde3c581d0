package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procs owns every child process the bench starts, so that all of them
// are stopped whatever happens.
type procs struct {
	mu   sync.Mutex
	list []*exec.Cmd
}

func (p *procs) start(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	p.mu.Lock()
	p.list = append(p.list, cmd)
	p.mu.Unlock()
	return nil
}

// stop sends SIGTERM to cmd's process group, then SIGKILL after grace.
func stopProc(cmd *exec.Cmd, grace time.Duration) {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

func (p *procs) stopAll() {
	p.mu.Lock()
	list := p.list
	p.list = nil
	p.mu.Unlock()
	for _, c := range list {
		stopProc(c, 5*time.Second)
	}
}

// gateway is a tether-gateway process started by the bench.
type gateway struct {
	cmd       *exec.Cmd
	url       string
	addr      string // host:port
	fp        string // base64url fingerprint as in join strings
	debugAddr string
	data      string
	log       *os.File
}

const adminPassword = "bench-admin-password-0123"

// startGateway runs bin/tether-gateway serve on a free loopback port.
func startGateway(ctx context.Context, ps *procs, bin, dir string, extra ...string) (*gateway, error) {
	g := &gateway{data: filepath.Join(dir, "data")}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	g.debugAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ready := filepath.Join(dir, "ready.json")
	if g.log, err = os.Create(filepath.Join(dir, "gateway.log")); err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", g.data, "--ready-file", ready,
		"--debug-addr", g.debugAddr, "--log-level", "warn"}, extra...)
	g.cmd = exec.Command(filepath.Join(bin, "tether-gateway"), args...)
	g.cmd.Env = append(os.Environ(), "TETHER_ADMIN_PASSWORD="+adminPassword)
	g.cmd.Stdout, g.cmd.Stderr = g.log, g.log
	g.cmd.Dir = dir
	if err := ps.start(g.cmd); err != nil {
		return nil, fmt.Errorf("start gateway: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(ready)
		if err == nil {
			var r struct{ URL, Fingerprint string }
			if err := json.Unmarshal(b, &r); err != nil {
				return nil, fmt.Errorf("ready file: %w", err)
			}
			g.url = r.URL
			g.addr = strings.TrimPrefix(r.URL, "https://")
			g.fp = r.Fingerprint
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, errors.New("gateway did not become ready within 30s (see gateway.log)")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return g, nil
}

func (g *gateway) stop() {
	stopProc(g.cmd, 15*time.Second)
	g.log.Close()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// procStats is what /proc says about a process.
type procStats struct {
	RSSKiB   int64
	CPUTicks int64 // utime + stime, in clock ticks (USER_HZ = 100)
	Threads  int64
}

func readProc(pid int) (procStats, error) {
	var ps procStats
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			ps.RSSKiB, _ = strconv.ParseInt(f[1], 10, 64)
		case "Threads:":
			ps.Threads, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	// Fields after the ")" that ends the command name: state is field 3,
	// utime field 14, stime field 15.
	s := string(st)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(rest) > 13 {
		ut, _ := strconv.ParseInt(rest[11], 10, 64)
		stt, _ := strconv.ParseInt(rest[12], 10, 64)
		ps.CPUTicks = ut + stt
	}
	return ps, nil
}

const ticksPerSecond = 100 // USER_HZ on Linux

// debugVars is the part of the gateway's /debug/vars the bench reads.
type debugVars struct {
	Goroutines int `json:"goroutines"`
	Memstats   struct {
		HeapInuse  uint64 `json:"HeapInuse"`
		HeapAlloc  uint64 `json:"HeapAlloc"`
		Sys        uint64 `json:"Sys"`
		StackInuse uint64 `json:"StackInuse"`
		NumGC      uint32 `json:"NumGC"`
	} `json:"memstats"`
}

func (g *gateway) vars() (debugVars, error) {
	var v debugVars
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + g.debugAddr + "/debug/vars")
	if err != nil {
		return v, fmt.Errorf("debug vars: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(b, &v)
}

// sample is the gateway's footprint at one moment.
type sample struct {
	RSSKiB     int64  `json:"rss_kib"`
	HeapInuse  uint64 `json:"heap_inuse_bytes"`
	StackInuse uint64 `json:"stack_inuse_bytes"`
	Goroutines int    `json:"goroutines"`
	CPUTicks   int64  `json:"-"`
}

func (g *gateway) sample() (sample, error) {
	p, err := readProc(g.cmd.Process.Pid)
	if err != nil {
		return sample{}, err
	}
	v, err := g.vars()
	if err != nil {
		return sample{}, err
	}
	return sample{RSSKiB: p.RSSKiB, HeapInuse: v.Memstats.HeapInuse, StackInuse: v.Memstats.StackInuse, Goroutines: v.Goroutines, CPUTicks: p.CPUTicks}, nil
}

// saveGoroutines writes the gateway's goroutine profile (grouped stacks).
func (g *gateway) saveGoroutines(path string) error {
	c := http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get("http://" + g.debugAddr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}
