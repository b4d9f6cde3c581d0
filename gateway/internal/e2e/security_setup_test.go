package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/gateway/internal/admin"
	"github.com/tetherhq/tether/gateway/internal/server"
	"github.com/tetherhq/tether/internal/wire"
)

func TestSetupDoesNotRunTwice(t *testing.T) {
	data := t.TempDir()
	first := startGateway(t, func(c *server.Config) { c.DataDir = data })
	first.login("admin", adminPassword)
	first.stop()

	second := startGateway(t, func(c *server.Config) {
		c.DataDir = data
		c.AdminPassword = "a different admin password"
	})
	if code, _ := second.req("POST", "/api/v1/login", "", map[string]string{"username": "admin", "password": "a different admin password"}); code != 401 {
		t.Errorf("login with the new TETHER_ADMIN_PASSWORD: got %d, want 401 (the password must not change)", code)
	}
	tok := second.login("admin", adminPassword)
	var users []struct{ Name, Role string }
	second.must(200, "GET", "/api/v1/users", tok, nil, &users)
	if len(users) != 1 {
		t.Errorf("users after a second start: got %+v, want only the first admin", users)
	}
	var es []struct{ Details map[string]any }
	second.must(200, "GET", "/api/v1/audit?action=user.create", tok, nil, &es)
	if len(es) != 1 {
		t.Errorf("user.create audit entries: got %d, want 1 (bootstrap once)", len(es))
	}
}

// rogueAgent speaks the agent protocol by hand, with hostile host facts.
func rogueAgent(t *testing.T, g *gw, code string, host wire.HostInfo, client string) (sessionID string) {
	t.Helper()
	welcome, err := handAgent{t: t, g: g, host: host}.exchange(
		wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Code: code, Client: client}, []string{"shell"})
	if err != nil {
		t.Fatalf("rogue agent: refused: %v", err)
	}
	return welcome.SessionID
}

func TestRogueClientHostFieldsStayInertText(t *testing.T) {
	g := startGateway(t)
	adminTok := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(adminTok, "shell")
	host := wire.HostInfo{
		Hostname:  `<script>alert("host")</script>` + "\x1b[31m\r\nX-Injected: 1",
		OS:        `<img src=x onerror=alert(1)>`,
		OSVersion: "\u202eevil\u202c <svg onload=alert(2)>",
		Arch:      `"><iframe src=//evil.example>`,
		User:      `'; DROP TABLE sessions; --`,
	}
	rogueAgent(t, g, inv.Code, host, `<b>client</b>`)
	g.waitSession(adminTok, ticket, "connected")

	clean := host.Clean()
	check := func(what string, raw []byte) {
		t.Helper()
		for _, bad := range []string{"<script", "<img", "<svg", "<iframe", "\x1b", "\u202e"} {
			if bytes.Contains(raw, []byte(bad)) {
				t.Errorf("%s: raw JSON holds %q unescaped", what, bad)
			}
		}
		if !bytes.Contains(raw, []byte(`\u003cscript\u003e`)) {
			t.Errorf("%s: raw JSON does not hold the host name as escaped text", what)
		}
	}
	_, raw := g.req("GET", fmt.Sprintf("/api/v1/tickets/%d/sessions", ticket), adminTok, nil)
	check("sessions", raw)
	var ss []struct{ Host wire.HostInfo }
	json.Unmarshal(raw, &ss)
	if len(ss) != 1 || ss[0].Host != clean {
		t.Errorf("stored host: got %+v, want the cleaned text %+v", ss, clean)
	}
	if strings.ContainsAny(clean.Hostname, "\r\n\x1b") {
		t.Errorf("cleaned host name still holds control characters: %q", clean.Hostname)
	}
	_, raw = g.req("GET", fmt.Sprintf("/api/v1/audit?ticket=%d", ticket), adminTok, nil)
	check("audit", raw)
	var es []struct {
		Action  string
		Details map[string]any
	}
	json.Unmarshal(raw, &es)
	found := false
	for _, e := range es {
		if e.Action == "session.join" {
			found = true
			if e.Details["hostname"] != clean.Hostname || e.Details["os"] != clean.OS {
				t.Errorf("audit session.join details: got %v, want the cleaned host facts", e.Details)
			}
		}
	}
	if !found {
		t.Error("no session.join audit entry")
	}
	// The exported audit (offline evidence) has the same inert text and still verifies.
	var out bytes.Buffer
	if err := admin.ExportAudit(t.Context(), g.data, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "<script") || !strings.Contains(out.String(), `\u003cscript\u003e`) {
		t.Error("the audit export holds the rogue host name as raw HTML, want JSON-escaped text")
	}
	res, err := admin.VerifyAudit(t.Context(), g.data)
	if err != nil || !res.OK {
		t.Errorf("audit verify after the rogue client: %+v, %v", res, err)
	}
}

func TestRecordingVerifyDetectsOneFlippedByte(t *testing.T) {
	g := startGateway(t)
	tok := g.login("admin", adminPassword)
	ticket, inv := g.ticketAndInvite(tok, "shell")
	startClient(t, "join", "--accept", "shell", inv.Join)
	s := g.waitSession(tok, ticket, "connected")
	ws, _, err := g.dialShell(tok, s.ID, 80, 24, "")
	if err != nil {
		t.Fatal(err)
	}
	m := marker(t)
	// The marker first, exit once it was read: output written just before
	// a shell exits can be lost by the pty (see docs/testing.md).
	ws.WriteMessage(websocket.BinaryMessage, []byte("echo "+m[:5]+"''"+m[5:]+"\n"))
	readUntil(t, ws, m)
	ws.WriteMessage(websocket.BinaryMessage, []byte("exit\n"))
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			break
		}
	}
	ws.Close()
	var rec struct {
		ID, State  string
		Verified   bool
		VerifyNote string `json:"verify_note"`
	}
	var detail struct{ Recordings []recording }
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		g.must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", ticket), tok, nil, &detail)
		if len(detail.Recordings) == 1 && detail.Recordings[0].State == "sealed" {
			break
		}
	}
	if len(detail.Recordings) != 1 || detail.Recordings[0].State != "sealed" {
		t.Fatalf("recordings: %+v, want one sealed", detail.Recordings)
	}
	g.must(200, "GET", "/api/v1/recordings/"+detail.Recordings[0].ID+"/meta", tok, nil, &rec)
	if !rec.Verified {
		t.Errorf("replay meta: verified false (%s), want true", rec.VerifyNote)
	}
	file := filepath.Join(g.data, "recordings", fmt.Sprint(ticket), rec.ID+".cast")
	res, err := admin.VerifyRecording(t.Context(), g.data, "", file, "", "")
	if err != nil || !res.Intact || !res.SignatureOK {
		t.Fatalf("verify the untouched recording: %+v, %v; want intact and signed", res, err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{0, len(b) / 2, len(b) - 2} {
		tampered := bytes.Clone(b)
		tampered[at] ^= 0x01
		dir := t.TempDir()
		copyPath := filepath.Join(dir, rec.ID+".cast")
		os.WriteFile(copyPath, tampered, 0o600)
		res, err := admin.VerifyRecording(t.Context(), g.data, "", copyPath, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Intact {
			t.Errorf("byte %d flipped: verify says intact", at)
		}
	}
	// Offline with only the public key and the seal from the audit export.
	var seal struct {
		SHA256    string
		Signature string
	}
	var exp bytes.Buffer
	admin.ExportAudit(t.Context(), g.data, &exp)
	for _, line := range strings.Split(exp.String(), "\n") {
		var e struct {
			Action  string
			Details struct {
				RecordingID string `json:"recording_id"`
				SHA256      string
				Signature   string
			}
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Action == "recording.seal" && e.Details.RecordingID == rec.ID {
			seal.SHA256, seal.Signature = e.Details.SHA256, e.Details.Signature
		}
	}
	pub := filepath.Join(g.data, "keys", "signing.pub")
	res, err = admin.VerifyRecording(t.Context(), "", pub, file, seal.SHA256, seal.Signature)
	if err != nil || !res.Intact || !res.SignatureOK {
		t.Errorf("offline verify with the audit's seal: %+v, %v", res, err)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	forged := ed25519.Sign(other, mustHex(t, seal.SHA256))
	res, _ = admin.VerifyRecording(t.Context(), "", pub, file, seal.SHA256, b64(forged))
	if res.SignatureOK {
		t.Error("a seal signed by another key verifies")
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
