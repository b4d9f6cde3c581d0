//go:build linux

package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"io"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tetherhq/tether/gateway/internal/screenrec"
	"github.com/tetherhq/tether/gateway/internal/server"
)

var (
	red   = color.RGBA{220, 30, 30, 255}
	blue  = color.RGBA{30, 30, 220, 255}
	green = color.RGBA{30, 200, 60, 255}
)

func loopbackICE(c *server.Config) { c.ICE.Loopback = true }

// screenSetup starts Xvfb with a known picture (left half red, right half
// blue), a gateway and a client sharing that display with scopes.
func screenSetup(t *testing.T, scopes string, mod ...func(*server.Config)) (*gw, string, session, *xpainter, *client) {
	display := startXvfb(t, 640, 480)
	p := newXPainter(t, display)
	p.fill(image.Rect(0, 0, 320, 480), red)
	p.fill(image.Rect(320, 0, 640, 480), blue)
	g := startGateway(t, append([]func(*server.Config){loopbackICE}, mod...)...)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "vera", "technician")
	ticket, inv := g.ticketAndInvite(tech, "screen", "control", "shell")
	t.Setenv("DISPLAY", display)
	c := startClient(t, "join", "--accept", scopes, inv.Join)
	c.waitOutput(t, "Connected.")
	return g, tech, g.waitSession(tech, ticket, "connected"), p, c
}

func halves(left, right color.RGBA) func(*image.RGBA) bool {
	return func(img *image.RGBA) bool {
		return img.Rect.Dx() == 640 && near(img.RGBAAt(100, 200), left) && near(img.RGBAAt(500, 200), right)
	}
}

// TestScreenViewWebRTC: a pion viewer on loopback does the offer/answer
// and sees the picture and its change; a second viewer over the WebSocket
// shares the capture; input is refused without scope control; the
// recording replays to the last picture; nothing leaks once they leave.
func TestScreenViewWebRTC(t *testing.T) {
	g, tech, s, p, c := screenSetup(t, "screen")
	leaks := goleak.IgnoreCurrent()

	v := g.watchScreen(t, tech, s.ID, "")
	if h := v.hello.Hello; h.Transport != "webrtc" || h.Width != 640 || h.Height != 480 || h.CanControl || h.RecordingID == "" {
		t.Errorf("hello = %+v; want webrtc, 640x480, no control, a recording", *h)
	}
	var cv screenrec.Canvas
	v.waitPicture("red | blue", &cv, halves(red, blue))
	c.waitOutput(t, "is viewing your screen.")
	if st := v.waitSig("stats"); st.Stats == nil || st.Stats.Transport != "webrtc" {
		t.Errorf("stats = %+v; want transport webrtc", st.Stats)
	}

	// A second viewer, forced onto the WebSocket, joins late and starts on a keyframe.
	w := g.watchScreen(t, tech, s.ID, "transport=websocket")
	if w.hello.Hello.Transport != "websocket" || w.hello.Hello.RecordingID != v.hello.Hello.RecordingID {
		t.Errorf("second hello = %+v; want websocket and the same recording", *w.hello.Hello)
	}
	var cw screenrec.Canvas
	w.waitPicture("red | blue over the WebSocket", &cw, halves(red, blue))

	p.fill(image.Rect(0, 0, 320, 480), green)
	v.waitPicture("green | blue", &cv, halves(green, blue))
	w.waitPicture("green | blue over the WebSocket", &cw, halves(green, blue))

	// Input without scope control: the gateway refuses it.
	v.send(map[string]any{"type": "control", "control": map[string]any{"type": "input", "input": map[string]any{"kind": "mousemove", "x": 1, "y": 1}}})
	if e := v.waitSig("error"); !bytes.Contains([]byte(e.Reason), []byte("control refused")) {
		t.Errorf("error = %q; want control refused", e.Reason)
	}

	w.close()
	v.close()
	rec := waitSealed(t, g, tech, v.hello.Hello.RecordingID)
	g.http.CloseIdleConnections()
	if err := goleak.Find(leaks); err != nil {
		t.Errorf("goroutines left after the viewers left: %v", err)
	}

	// The recording replays to the last picture and matches its seal.
	code, file := g.req("GET", "/api/v1/recordings/"+rec.ID, tech, nil)
	if code != 200 {
		t.Fatalf("download recording: %d", code)
	}
	if sum := sha256.Sum256(file); hex.EncodeToString(sum[:]) != rec.SHA256 {
		t.Errorf("recording SHA-256 %x does not match its seal %s", sum, rec.SHA256)
	}
	idx, err := screenrec.ReadIndex(bytes.NewReader(file), int64(len(file)))
	if err != nil || len(idx) == 0 {
		t.Fatalf("keyframe index = %v, %v; want at least one keyframe", idx, err)
	}
	rd, err := screenrec.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var replay screenrec.Canvas
	frames := 0
	for {
		e, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		if err := replay.Apply(e.Record); err != nil {
			t.Fatal(err)
		}
		frames++
	}
	if img := replay.Image(); img == nil || !halves(green, blue)(img) {
		t.Errorf("the replay (%d frames) does not end on green | blue", frames)
	}
	if !rd.Sealed {
		t.Error("recording not sealed")
	}
}

// waitSealed waits for a recording to be sealed and returns it.
func waitSealed(t *testing.T, g *gw, token, id string) recording {
	t.Helper()
	var r recording
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		g.must(200, "GET", "/api/v1/recordings/"+id+"/meta", token, nil, &r)
		if r.State == "sealed" {
			if r.Kind != "screen" {
				t.Errorf("recording kind %q, want screen", r.Kind)
			}
			return r
		}
	}
	t.Fatalf("recording %s not sealed: %+v", id, r)
	return r
}

// TestScreenWebSocketOnly: a gateway without WebRTC streams over the WebSocket.
func TestScreenWebSocketOnly(t *testing.T) {
	g, tech, s, _, _ := screenSetup(t, "screen", func(c *server.Config) { c.NoWebRTC = true })
	v := g.watchScreen(t, tech, s.ID, "")
	defer v.close()
	if v.hello.Hello.Transport != "websocket" {
		t.Errorf("transport %q, want websocket", v.hello.Hello.Transport)
	}
	var cv screenrec.Canvas
	v.waitPicture("red | blue", &cv, halves(red, blue))
}

// TestScreenFallback: a viewer that cannot do WebRTC asks for the WebSocket.
func TestScreenFallback(t *testing.T) {
	g, tech, s, _, _ := screenSetup(t, "screen")
	ws, code, err := g.dialScreen(tech, s.ID, "")
	if err != nil {
		t.Fatalf("dial: %d %v", code, err)
	}
	defer ws.Close()
	var m screenSig
	for m.Type != "offer" {
		ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
	}
	ws.WriteJSON(map[string]string{"type": "fallback", "reason": "no RTCPeerConnection here"})
	var cv screenrec.Canvas
	for {
		typ, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for frames over the WebSocket: %v", err)
		}
		if typ == 2 {
			if cv.Apply(b) == nil && halves(red, blue)(cv.Image()) {
				return
			}
		}
	}
}

// TestScreenRefusedWithoutScope: the user did not grant screen → 403.
func TestScreenRefusedWithoutScope(t *testing.T) {
	g, tech, s, _, _ := screenSetup(t, "shell")
	_, code, err := g.dialScreen(tech, s.ID, "")
	if code != 403 {
		t.Fatalf("dial screen without scope screen: status %d (%v), want 403", code, err)
	}
	// An auditor may not view screens at all.
	admin := g.login("admin", adminPassword)
	aud := g.addUser(admin, "audrey", "auditor")
	if _, code, _ := g.dialScreen(aud, s.ID, ""); code != 403 {
		t.Errorf("auditor: status %d, want 403", code)
	}
}

// TestScreenControlGranted: with scope control the viewer may send input.
func TestScreenControlGranted(t *testing.T) {
	g, tech, s, _, c := screenSetup(t, "screen,control")
	v := g.watchScreen(t, tech, s.ID, "transport=websocket")
	defer v.close()
	if !v.hello.Hello.CanControl {
		t.Fatalf("hello can_control = false with scope control")
	}
	c.waitOutput(t, "may control your mouse and keyboard")
	var cv screenrec.Canvas
	v.waitPicture("red | blue", &cv, halves(red, blue))
	v.send(map[string]any{"type": "control", "control": map[string]any{"type": "input", "input": map[string]any{"kind": "mousemove", "x": 10, "y": 10}}})
	v.send(map[string]any{"type": "control", "control": map[string]any{"type": "bogus"}})
	if e := v.waitSig("error"); !bytes.Contains([]byte(e.Reason), []byte("bogus")) {
		t.Errorf("error = %q; want the bogus control refused (and the input accepted before it)", e.Reason)
	}
}
