package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// inputShell joins a client with the shell scope and opens a shell on it.
func inputShell(t *testing.T) (*gw, string, int64, *websocket.Conn) {
	t.Helper()
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "alice", "technician")
	ticket, inv := g.ticketAndInvite(tech, "shell")
	c := startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(tech, ticket, "connected")
	ws, _, err := g.dialShell(tech, s.ID, 100, 30, "")
	if err != nil {
		t.Fatalf("dial shell: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	c.waitOutput(t, "Alice opened a shell.")
	return g, tech, ticket, ws
}

// typeLine sends what the technician types and waits for output that only
// the command's run can produce (never the typed text itself).
func typeLine(t *testing.T, ws *websocket.Conn, line, wantOut string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte(line)); err != nil {
		t.Fatalf("type %q: %v", line, err)
	}
	if wantOut != "" {
		readUntil(t, ws, wantOut)
	}
}

// closeShellAndFetch exits the shell and returns the sealed recording's
// events, raw bytes and id.
func closeShellAndFetch(t *testing.T, g *gw, tech string, ticket int64, ws *websocket.Conn) ([][3]any, []byte, string) {
	t.Helper()
	typeLine(t, ws, "exit\n", "")
	var detail struct{ Recordings []recording }
	deadline := time.Now().Add(20 * time.Second)
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
	id := detail.Recordings[0].ID
	code, body := g.req("GET", "/api/v1/recordings/"+id, tech, nil)
	if code != 200 {
		t.Fatalf("download recording: status %d", code)
	}
	_, evs := castEvents(t, body)
	return evs, body, id
}

func eventsOf(evs [][3]any, code string) []string {
	var out []string
	for _, e := range evs {
		if e[1] == code {
			out = append(out, e[2].(string))
		}
	}
	return out
}

// TestInputRecordedEchoOffHidden is finding 6 of issue 11: what the
// technician types is in the recording as "i" events, and what they type
// while the user's terminal has echo off (stty -echo, a password prompt)
// is there as a length marker only, with an audit entry per episode.
func TestInputRecordedEchoOffHidden(t *testing.T) {
	g, tech, ticket, ws := inputShell(t)

	// Echo on: recorded as typed.
	visible1 := "echo visible-cmd $((40+2))\n"
	typeLine(t, ws, visible1, "visible-cmd 42")
	visible2 := "stty -echo; echo echo-off $((1+1))\n"
	typeLine(t, ws, visible2, "echo-off 2")

	// Episode 1, echo off (the shell reads lines, /bin/sh has no line
	// editor): blind commands and a fake password.
	hidden := []string{"echo blind-cmd $((2+3))\n", "read pw; echo got-${#pw}\n", "fake-pass-XYZ9\n", "stty echo; echo echo-on $((3+4))\n"}
	typeLine(t, ws, hidden[0], "blind-cmd 5")
	typeLine(t, ws, hidden[1], "")
	typeLine(t, ws, hidden[2], "got-14")
	typeLine(t, ws, hidden[3], "echo-on 7")
	episode1 := 0
	for _, h := range hidden {
		episode1 += len(h)
	}

	// Episode 2: a password prompt printed after echo went off.
	visible3 := "stty -echo; printf 'Pass%s: ' word; read pw2; stty echo; echo len-${#pw2}\n"
	typeLine(t, ws, visible3, "Password: ")
	secret2 := "second-secret-77\n"
	typeLine(t, ws, secret2, "len-16")

	evs, raw, recID := closeShellAndFetch(t, g, tech, ticket, ws)
	input := strings.Join(eventsOf(evs, "i"), "")
	for _, want := range []string{visible1, visible2, visible3, "exit\n"} {
		if !strings.Contains(input, want) {
			t.Errorf("input events: want %q in %q", want, input)
		}
	}
	for _, secret := range []string{"fake-pass-XYZ9", "second-secret-77", "$((2+3))", "read pw;", "$((3+4))"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the recording holds %q, typed with echo off:\n%s", secret, raw)
		}
	}
	wantMarkers := []string{
		fmt.Sprintf("input hidden (echo off): %d bytes", episode1),
		fmt.Sprintf("input hidden (echo off): %d bytes", len(secret2)),
	}
	if got := eventsOf(evs, "m"); strings.Join(got, "|") != strings.Join(wantMarkers, "|") {
		t.Errorf("markers: got %q, want %q", got, wantMarkers)
	}

	// The audit has one entry per episode and the totals on shell.close.
	admin := g.login("admin", adminPassword)
	var entries []struct {
		Action  string
		Details map[string]any
	}
	g.must(200, "GET", fmt.Sprintf("/api/v1/audit?ticket=%d", ticket), admin, nil, &entries)
	var episodes []string
	var closeDetails map[string]any
	for _, e := range entries {
		switch e.Action {
		case "shell.input_hidden":
			if e.Details["recording_id"] != recID {
				t.Errorf("shell.input_hidden recording_id: got %v, want %s", e.Details["recording_id"], recID)
			}
			episodes = append(episodes, fmt.Sprintf("%v:%v", e.Details["episode"], e.Details["bytes"]))
		case "shell.close":
			closeDetails = e.Details
		}
	}
	if want := []string{fmt.Sprintf("1:%d", episode1), fmt.Sprintf("2:%d", len(secret2))}; strings.Join(episodes, " ") != strings.Join(want, " ") {
		t.Errorf("shell.input_hidden entries (episode:bytes): got %v, want %v", episodes, want)
	}
	total := len(visible1) + len(visible2) + len(visible3) + len("exit\n") + episode1 + len(secret2)
	for k, want := range map[string]float64{"input_bytes": float64(total), "input_hidden_bytes": float64(episode1 + len(secret2)), "input_hidden_episodes": 2} {
		if got := closeDetails[k]; got != want {
			t.Errorf("shell.close %s: got %v, want %v (details %v)", k, got, want, closeDetails)
		}
	}
	checkCastPlays(t, raw)
}

// TestInputRecordedBlindAtLineEditor covers the other shape of a blind
// command: bash's line editor after stty -echo shows nothing, yet it runs
// the terminal in raw mode and the commands are recorded as typed.
func TestInputRecordedBlindAtLineEditor(t *testing.T) {
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("no /bin/bash")
	}
	g, tech, ticket, ws := inputShell(t)
	// The prompt is "rl> "; its octal escape keeps it out of the echoed command.
	typeLine(t, ws, `exec env PS1='rl\076 ' /bin/bash --norc --noprofile -i`+"\n", "rl> ")
	// After each command, wait for the next prompt: the line editor is back
	// (raw mode), and the agent said so before the prompt was forwarded.
	typeLine(t, ws, "stty -echo; echo rl-off-$((1+1))\n", "")
	readUntilAfter(t, ws, "rl-off-2", "rl> ")
	blind := "echo blind-rl $((5+6))\n"
	typeLine(t, ws, blind, "")
	readUntilAfter(t, ws, "blind-rl 11", "rl> ")
	typeLine(t, ws, "stty echo\n", "")
	evs, raw, _ := closeShellAndFetch(t, g, tech, ticket, ws)
	if input := strings.Join(eventsOf(evs, "i"), ""); !strings.Contains(input, blind) {
		t.Errorf("input events: want the blind command %q in %q", blind, input)
	}
	checkCastPlays(t, raw)
}

// readUntilAfter reads shell output until then appears after first.
func readUntilAfter(t *testing.T, ws *websocket.Conn, first, then string) {
	t.Helper()
	var sb strings.Builder
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		s := sb.String()
		if i := strings.Index(s, first); i >= 0 && strings.Contains(s[i+len(first):], then) {
			return
		}
		typ, p, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("reading shell until %q after %q: %v; got so far %q", then, first, err, sb.String())
		}
		if typ == websocket.BinaryMessage {
			sb.Write(p)
		}
	}
}

// checkCastPlays runs asciinema cat on the recording when asciinema is
// installed.
func checkCastPlays(t *testing.T, raw []byte) {
	t.Helper()
	if _, err := exec.LookPath("asciinema"); err != nil {
		return
	}
	if _, err := exec.LookPath("script"); err != nil {
		return
	}
	f := filepath.Join(t.TempDir(), "rec.cast")
	if err := os.WriteFile(f, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("setsid", "script", "-qec", "asciinema cat "+f, "/dev/null").CombinedOutput()
	if err != nil {
		t.Errorf("asciinema cat: %v\n%s", err, out)
	}
}
