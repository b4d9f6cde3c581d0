package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The load generator runs the real agent package (client/internal/agent):
// these tests check the behaviour tether-bench and the soak test rely on,
// against a real gateway: its JSON lines, the synthetic shell, the end of
// every session on SIGINT, and --resume across a gateway restart.

// loadgenProc is a running tether-loadgen with its JSON lines.
type loadgenProc struct {
	cmd   *exec.Cmd
	lines chan map[string]any
}

func startLoadgen(t *testing.T, joins []string, args ...string) *loadgenProc {
	t.Helper()
	cmd := exec.Command(buildLoadgen(t), args...)
	cmd.Stdin = strings.NewReader(strings.Join(joins, "\n") + "\n")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start loadgen: %v", err)
	}
	l := &loadgenProc{cmd: cmd, lines: make(chan map[string]any, 100)}
	go func() {
		defer close(l.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				l.lines <- m
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return l
}

// next returns the next line whose event is one of events.
func (l *loadgenProc) next(t *testing.T, timeout time.Duration, events ...string) map[string]any {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-l.lines:
			if !ok {
				t.Fatalf("tether-loadgen exited before a %v line", events)
			}
			for _, e := range events {
				if m["event"] == e {
					return m
				}
			}
		case <-deadline:
			t.Fatalf("no %v line from tether-loadgen within %s", events, timeout)
		}
	}
}

func TestLoadgenSyntheticAgents(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "lgtech", "technician")
	ticket, first := g.ticketAndInvite(tech, "shell")
	joins := []string{first.Join}
	for range 2 {
		var inv invite
		g.must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/invites", ticket), tech, map[string]any{"scopes": []string{"shell"}}, &inv)
		joins = append(joins, inv.Join)
	}
	l := startLoadgen(t, joins, "--synthetic", "--source", "127.10.0.1", "--per-ip", "1")
	ids := map[string]bool{}
	for range joins {
		m := l.next(t, 30*time.Second, "agent")
		id, _ := m["session_id"].(string)
		if id == "" || m["error"] != nil {
			t.Fatalf("agent line %v: want a session id and no error", m)
		}
		ids[id] = true
	}
	ready := l.next(t, 10*time.Second, "ready")
	if ready["connected"] != float64(3) || ready["failed"] != float64(0) {
		t.Errorf("ready line %v: want 3 connected, 0 failed", ready)
	}
	// The gateway marks a session connected just after the agent's SSH
	// handshake: wait for all three.
	sessions := waitAllSessions(t, g, tech, ticket, "connected")
	var id string
	for _, s := range sessions {
		if !ids[s.ID] || s.State != "connected" || !strings.HasPrefix(s.Host.Hostname, "loadgen-127.10.0.") {
			t.Errorf("session %+v: want one of the loadgen's, connected, from loadgen-127.10.0.x", s)
		}
		id = s.ID
	}

	// The synthetic shell, through the gateway and the real agent.
	file := filepath.Join(t.TempDir(), "payload.txt")
	payload := strings.Repeat("all work and no play\r\n", 5000)
	if err := os.WriteFile(file, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	var ws *websocket.Conn
	for try := 0; ; try++ {
		var err error
		if ws, _, err = g.dialShell(tech, id, 80, 24, ""); err == nil {
			break
		}
		if try == 50 {
			t.Fatalf("open shell: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	readUntil(t, ws, "$ ")
	ws.WriteMessage(websocket.BinaryMessage, []byte("hello"))
	readUntil(t, ws, "hello")
	ws.WriteMessage(websocket.BinaryMessage, []byte("\rcat "+file+"\r"))
	if out := readUntil(t, ws, "BENCHDONE"); !strings.Contains(out, payload) {
		t.Errorf("cat through the synthetic shell: got %d bytes, want the %d-byte file before BENCHDONE", len(out), len(payload))
	}
	ws.Close()

	// SIGINT ends every session the way Ctrl-C ends the client's.
	l.cmd.Process.Signal(syscall.SIGINT)
	if done := l.next(t, 20*time.Second, "done"); done["connected"] != float64(3) {
		t.Errorf("done line %v: want connected 3", done)
	}
	for _, s := range waitAllSessions(t, g, tech, ticket, "ended") {
		if !strings.Contains(s.EndReason, "user") {
			t.Errorf("session %s ended with %q, want the user's end (as Ctrl-C in the client)", s.ID, s.EndReason)
		}
	}
}

// waitAllSessions polls the ticket's sessions until every one is in state.
func waitAllSessions(t *testing.T, g *gw, token string, ticket int64, state string) []session {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var sessions []session
		g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d/sessions", ticket), token, nil, &sessions)
		n := 0
		for _, s := range sessions {
			if s.State == state {
				n++
			}
		}
		if n == len(sessions) && n > 0 {
			return sessions
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions: %+v; want every one %s", sessions, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Without --shell or --synthetic an agent refuses to start a shell.
func TestLoadgenIdleAgentRefusesShells(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	l := startLoadgen(t, []string{inv.Join}, "--source", "127.10.1.1")
	l.next(t, 30*time.Second, "ready")
	s := g.waitSession(admin, ticket, "connected")
	ws, _, err := g.dialShell(admin, s.ID, 80, 24, "")
	if err != nil {
		return // refused at the upgrade: fine
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	var got strings.Builder
	for {
		typ, p, err := ws.ReadMessage()
		if err != nil {
			break
		}
		if typ == websocket.BinaryMessage {
			got.Write(p)
		}
	}
	if strings.Contains(got.String(), "$ ") {
		t.Errorf("an idle agent served a shell: %q", got.String())
	}
}

// --resume: agents come back to their sessions after a gateway restart.
func TestLoadgenResumesAfterGatewayRestart(t *testing.T) {
	data := t.TempDir()
	g, proc := startGatewayProcess(t, data, "127.0.0.1:0")
	addr := strings.TrimPrefix(g.url, "https://")
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	l := startLoadgen(t, []string{inv.Join}, "--resume", "--source", "127.10.2.1")
	first := l.next(t, 30*time.Second, "agent")
	l.next(t, 10*time.Second, "ready")
	proc.Process.Signal(syscall.SIGTERM)
	proc.Wait()
	g2, _ := startGatewayProcess(t, data, addr)
	m := l.next(t, 60*time.Second, "resumed", "resume_failed")
	if m["event"] != "resumed" {
		t.Fatalf("after the restart: %v, want resumed", m)
	}
	if s := g2.waitSession(admin, ticket, "connected"); s.ID != first["session_id"] {
		t.Errorf("connected session after resume: %s, want the first one %v", s.ID, first["session_id"])
	}
}
