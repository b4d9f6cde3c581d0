package e2e

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestUserRevokesShellLive: the user types "revoke shell" on the client's
// terminal while a technician's shell is open. The shell closes at once,
// the gateway learns the new scopes, and a new shell is refused.
func TestUserRevokesShellLive(t *testing.T) {
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(admin, "shell", "diagnostics")
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	c := startClientWith(t, stdinR, "join", "--accept", "shell,diagnostics", inv.Join)
	s := g.waitSession(admin, ticket, "connected")
	c.waitOutput(t, "revoke SCOPE")
	// The preflight (a plain GET) says a shell would open.
	if code, body := g.req("GET", "/api/v1/sessions/"+s.ID+"/shell", admin, nil); code != 200 || !strings.Contains(string(body), `"ready":true`) {
		t.Errorf("preflight before revoke: %d %s, want 200 ready", code, body)
	}
	// The screen's preflight says why it would not open: screen was never granted.
	if code, body := g.req("GET", "/api/v1/sessions/"+s.ID+"/screen", admin, nil); code != 403 ||
		!strings.Contains(string(body), `"code":"scope_not_granted"`) || !strings.Contains(string(body), `the user has not granted screen"`) {
		t.Errorf("screen preflight: %d %s, want 403 scope_not_granted: the user has not granted screen", code, body)
	}
	ws, _, err := g.dialShell(admin, s.ID, 80, 24, "")
	if err != nil {
		t.Fatalf("dial shell: %v", err)
	}
	defer ws.Close()
	m := marker(t)
	ws.WriteMessage(websocket.BinaryMessage, []byte("echo "+m[:5]+"''"+m[5:]+"\n"))
	readUntil(t, ws, m)

	io.WriteString(stdinW, "revoke shell\n")
	c.waitOutput(t, "Revoked shell. Granted now: diagnostics.")
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var exit string
	for {
		typ, p, err := ws.ReadMessage()
		if err != nil {
			break
		}
		if typ == websocket.TextMessage && strings.Contains(string(p), `"exit"`) {
			exit = string(p)
		}
	}
	if exit == "" {
		t.Error("the open shell was not closed when the user revoked the shell scope")
	}
	// The technician reads the real reason (it used to be "interrupted: the
	// client went away"), and the recording was sealed, not interrupted.
	if !strings.Contains(exit, `"code":"user_revoked"`) || !strings.Contains(exit, "the user revoked shell") {
		t.Errorf("exit message = %s; want code user_revoked and the user's withdrawal in words", exit)
	}
	var detail struct{ Recordings []recording }
	deadlineRec := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadlineRec) {
		g.must(200, "GET", "/api/v1/tickets/"+itoa64(ticket), admin, nil, &detail)
		if len(detail.Recordings) == 1 && detail.Recordings[0].State != "recording" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(detail.Recordings) != 1 || detail.Recordings[0].State != "sealed" {
		t.Errorf("recording after the user's revoke: %+v, want one sealed", detail.Recordings)
	}
	// The gateway's view follows.
	deadline := time.Now().Add(10 * time.Second)
	var got session
	for time.Now().Before(deadline) {
		g.must(200, "GET", "/api/v1/sessions/"+s.ID, admin, nil, &got)
		if strings.Join(got.Granted, ",") == "diagnostics" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Join(got.Granted, ",") != "diagnostics" {
		t.Errorf("granted after revoke: got %v, want [diagnostics]", got.Granted)
	}
	if _, resp, err := g.dialShell(admin, s.ID, 80, 24, ""); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("shell after revoke: got %v, want 403", resp)
	}
	// The preflight names the real refusal, for the web UI's Reconnect.
	if code, body := g.req("GET", "/api/v1/sessions/"+s.ID+"/shell", admin, nil); code != 403 ||
		!strings.Contains(string(body), `"code":"scope_not_granted"`) || !strings.Contains(string(body), "has not granted shell, or revoked it") {
		t.Errorf("preflight after revoke: %d %s, want 403 scope_not_granted naming the revoke", code, body)
	}
	// "end" on the terminal ends the session like Ctrl-C.
	io.WriteString(stdinW, "end\n")
	stdinW.Close() // exec's copy into the child's stdin must end for Wait to return
	if code := c.wait(t); code != 0 {
		t.Errorf("client exit code after end: %d, want 0", code)
	}
	if ended := g.waitSession(admin, ticket, "ended"); ended.EndReason != "ended by user" {
		t.Errorf("end reason: %q, want ended by user", ended.EndReason)
	}
	if code, body := g.req("GET", "/api/v1/sessions/"+s.ID+"/shell", admin, nil); code != 409 || !strings.Contains(string(body), "the session has ended: ended by user") {
		t.Errorf("preflight after the end: %d %s, want 409 naming the end", code, body)
	}
	if code, body := g.req("GET", "/api/v1/sessions/"+s.ID+"/screen", admin, nil); code != 409 || !strings.Contains(string(body), "the session has ended: ended by user") {
		t.Errorf("screen preflight after the end: %d %s, want 409 naming the end", code, body)
	}
}

func itoa64(n int64) string { return fmt.Sprint(n) }
