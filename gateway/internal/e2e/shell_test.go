package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/gateway/internal/server"
)

func marker(t *testing.T) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "MARK-" + hex.EncodeToString(b)
}

type recording struct {
	ID, State, SHA256, Kind string
	Size                    int64
}

// castEvents parses an asciicast v2 file strictly enough for tests.
func castEvents(t *testing.T, b []byte) (map[string]any, [][3]any) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	if !sc.Scan() {
		t.Fatal("recording is empty")
	}
	var hdr map[string]any
	if err := json.Unmarshal(sc.Bytes(), &hdr); err != nil {
		t.Fatalf("header is not JSON: %v: %q", err, sc.Text())
	}
	if hdr["version"] != float64(2) {
		t.Fatalf("header version: got %v, want 2", hdr["version"])
	}
	var evs [][3]any
	for sc.Scan() {
		var ev [3]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("event line is not a JSON triple: %v: %q", err, sc.Text())
		}
		evs = append(evs, ev)
	}
	return hdr, evs
}

func outputOf(evs [][3]any) string {
	var sb strings.Builder
	for _, e := range evs {
		if e[1] == "o" {
			sb.WriteString(e[2].(string))
		}
	}
	return sb.String()
}

func TestShellEndToEnd(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "alice", "technician")
	ticket, inv := g.ticketAndInvite(tech, "shell", "diagnostics")
	if !strings.HasPrefix(inv.Join, "tether1:") || !strings.Contains(inv.Join, "#sha256=") {
		t.Fatalf("join string: got %q, want tether1:...#sha256=...", inv.Join)
	}
	c := startClient(t, "join", "--accept", "shell", inv.Join)
	c.waitOutput(t, "Connected.")
	s := g.waitSession(tech, ticket, "connected")
	if got := strings.Join(s.Granted, ","); got != "shell" {
		t.Errorf("granted: got %q, want shell (the user accepted only shell)", got)
	}

	ws, _, err := g.dialShell(tech, s.ID, 100, 30, "")
	if err != nil {
		t.Fatalf("dial shell: %v", err)
	}
	defer ws.Close()
	c.waitOutput(t, "Alice opened a shell.")
	m := marker(t)
	ws.WriteMessage(websocket.BinaryMessage, []byte("stty size; echo "+m[:5]+"''"+m[5:]+"\n"))
	out := readUntil(t, ws, m)
	if !strings.Contains(out, "30 100") {
		t.Errorf("stty size before resize: want 30 100 in %q", out)
	}
	ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"resize","cols":120,"rows":40}`))
	waitShellSize(t, ws, 40, 120)
	ws.WriteMessage(websocket.BinaryMessage, []byte("exit\n"))
	// The gateway says why the shell ended, then closes.
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var exit struct{ Type, Reason string }
	for exit.Type != "exit" {
		typ, p, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for exit message: %v", err)
		}
		if typ == websocket.TextMessage {
			json.Unmarshal(p, &exit)
		}
	}
	if exit.Reason != "shell exited" {
		t.Errorf("exit reason: got %q, want %q", exit.Reason, "shell exited")
	}
	c.waitOutput(t, "The shell exited.") // the real reason, not "Alice closed the shell."

	var detail struct{ Recordings []recording }
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", ticket), tech, nil, &detail)
		if len(detail.Recordings) == 1 && detail.Recordings[0].State == "sealed" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(detail.Recordings) != 1 || detail.Recordings[0].State != "sealed" {
		t.Fatalf("recordings: got %+v, want one sealed", detail.Recordings)
	}
	rec := detail.Recordings[0]
	code, body := g.req("GET", "/api/v1/recordings/"+rec.ID, tech, nil)
	if code != 200 {
		t.Fatalf("download recording: status %d", code)
	}
	hdr, evs := castEvents(t, body)
	if hdr["width"] != float64(100) || hdr["height"] != float64(30) {
		t.Errorf("header size: got %vx%v, want 100x30", hdr["width"], hdr["height"])
	}
	if !strings.Contains(outputOf(evs), m) {
		t.Errorf("recording output does not contain the marker %s", m)
	}
	sawResize := false
	for _, e := range evs {
		if e[1] == "r" && e[2] == "120x40" {
			sawResize = true
		}
	}
	typed := "stty size; echo " + m[:5] + "''" + m[5:] + "\n"
	if in := strings.Join(eventsOf(evs, "i"), ""); !strings.Contains(in, typed) || !strings.Contains(in, "exit\n") {
		t.Errorf("input events: want the typed %q and %q in %q", typed, "exit\n", in)
	}
	if !sawResize {
		t.Error("no r 120x40 event in the recording")
	}
	var meta struct {
		Verified bool
		SHA256   string
	}
	g.must(200, "GET", "/api/v1/recordings/"+rec.ID+"/meta", tech, nil, &meta)
	if !meta.Verified || meta.SHA256 != rec.SHA256 {
		t.Errorf("meta: got verified=%v sha=%s, want verified and %s", meta.Verified, meta.SHA256, rec.SHA256)
	}

	// The user presses Ctrl-C: the session ends "by user" and the client exits 0.
	c.cmd.Process.Signal(syscall.SIGINT)
	if code := c.wait(t); code != 0 {
		t.Errorf("client exit code after Ctrl-C: got %d, want 0", code)
	}
	ended := g.waitSession(tech, ticket, "ended")
	if ended.EndReason != "ended by user" {
		t.Errorf("end reason: got %q, want %q", ended.EndReason, "ended by user")
	}

	// The audit trail has the story, and the chain holds.
	var entries []struct{ Action string }
	g.must(200, "GET", fmt.Sprintf("/api/v1/audit?ticket=%d", ticket), admin, nil, &entries)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"ticket.create", "invite.create", "session.join", "scope.grant", "shell.open", "recording.seal", "shell.close", "session.end"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit for ticket: missing %s in %v", want, actions)
		}
	}
	var v struct{ OK bool }
	g.must(200, "GET", "/api/v1/audit/verify", admin, nil, &v)
	if !v.OK {
		t.Error("audit chain does not verify")
	}
}

// waitShellSize runs `stty size` until the shell reports rows×cols. The
// client handles a resize (an SSH channel request) and terminal input (channel
// data) on different goroutines, so a command typed right after a resize may
// still see the old size: the test waits for the effect, with a deadline.
func waitShellSize(t *testing.T, ws *websocket.Conn, rows, cols int) {
	t.Helper()
	want := fmt.Sprintf("%d %d", rows, cols)
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		m := marker(t)
		ws.WriteMessage(websocket.BinaryMessage, []byte("stty size; echo "+m[:5]+"''"+m[5:]+"\n"))
		out := readUntil(t, ws, m)
		// The size is the line just before the marker's.
		lines := strings.Split(strings.ReplaceAll(out[:strings.LastIndex(out, m)], "\r", ""), "\n")
		if len(lines) >= 2 {
			last = strings.TrimSpace(lines[len(lines)-2])
		}
		if last == want {
			return
		}
	}
	t.Fatalf("stty size: got %q, want %q within 20 s of the resize", last, want)
}

func TestClientKilledMidShell(t *testing.T) {
	g := startGateway(t, func(c *server.Config) { c.ResumeWindow = 2 * time.Second })
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell")
	c := startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(admin, ticket, "connected")
	ws, _, err := g.dialShell(admin, s.ID, 80, 24, "")
	if err != nil {
		t.Fatalf("dial shell: %v", err)
	}
	defer ws.Close()
	m := marker(t)
	ws.WriteMessage(websocket.BinaryMessage, []byte("echo "+m[:5]+"''"+m[5:]+"\n"))
	readUntil(t, ws, m)

	c.cmd.Process.Signal(syscall.SIGKILL)
	// The session waits for its client to come back, then ends after the resume window.
	waiting := g.waitSession(admin, ticket, "waiting")
	if !strings.Contains(waiting.EndReason, "connection lost") {
		t.Errorf("waiting reason: got %q, want it to say the connection was lost", waiting.EndReason)
	}
	ended := g.waitSession(admin, ticket, "ended")
	if !strings.Contains(ended.EndReason, "did not reconnect") {
		t.Errorf("end reason: got %q, want it to say the client did not reconnect", ended.EndReason)
	}
	var detail struct{ Recordings []recording }
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", ticket), admin, nil, &detail)
		if len(detail.Recordings) == 1 && detail.Recordings[0].State != "recording" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(detail.Recordings) != 1 || detail.Recordings[0].State != "interrupted" {
		t.Fatalf("recordings: got %+v, want one interrupted", detail.Recordings)
	}
	_, body := g.req("GET", "/api/v1/recordings/"+detail.Recordings[0].ID, admin, nil)
	_, evs := castEvents(t, body)
	if !strings.Contains(outputOf(evs), m) {
		t.Errorf("the recording lost output sent before the client died")
	}
}
