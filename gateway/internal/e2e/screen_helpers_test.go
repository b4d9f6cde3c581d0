//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/pion/webrtc/v3"

	"github.com/tetherhq/tether/gateway/internal/rtc"
	"github.com/tetherhq/tether/gateway/internal/screenrec"
	"github.com/tetherhq/tether/internal/testenv"
	"github.com/tetherhq/tether/internal/wire"
)

// startXvfb starts a private Xvfb of w×h on a free display in :121-:160
// (the client's own screen tests use :90-:120) and stops it at the end.
// Without Xvfb the test is skipped, loudly.
func startXvfb(tb testing.TB, w, h int) string {
	tb.Helper()
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		testenv.SkipOrFail(tb, "!!! Xvfb is not installed: the screen view is NOT tested end to end (apt-get install -y xvfb) !!!")
	}
	for n := 121; n <= 160; n++ {
		if b, err := os.ReadFile(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || syscall.Kill(pid, 0) == nil {
				continue
			}
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command(bin, display, "-ac", "-nolisten", "tcp", "-noreset", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h))
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start Xvfb: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		up := false
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !up; {
			select {
			case <-exited:
				deadline = time.Time{}
				continue
			case <-time.After(20 * time.Millisecond):
			}
			if c, err := xgb.NewConnDisplay(display); err == nil {
				c.Close()
				up = true
			}
		}
		if !up {
			cmd.Process.Kill()
			<-exited
			continue
		}
		tb.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
		})
		return display
	}
	tb.Fatal("no free X display in :121-:160")
	return ""
}

// xpainter fills rectangles of a full-screen window with known colours.
type xpainter struct {
	tb   testing.TB
	conn *xgb.Conn
	win  xproto.Window
	gc   xproto.Gcontext
	w, h int
}

func newXPainter(tb testing.TB, display string) *xpainter {
	tb.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		tb.Fatalf("connect to %s: %v", display, err)
	}
	tb.Cleanup(func() { conn.Close() })
	scr := xproto.Setup(conn).DefaultScreen(conn)
	p := &xpainter{tb: tb, conn: conn, w: int(scr.WidthInPixels), h: int(scr.HeightInPixels)}
	p.win, _ = xproto.NewWindowId(conn)
	if err := xproto.CreateWindowChecked(conn, scr.RootDepth, p.win, scr.Root, 0, 0, uint16(p.w), uint16(p.h), 0,
		xproto.WindowClassInputOutput, scr.RootVisual, xproto.CwBackPixel|xproto.CwOverrideRedirect, []uint32{0, 1}).Check(); err != nil {
		tb.Fatalf("create window: %v", err)
	}
	p.gc, _ = xproto.NewGcontextId(conn)
	if err := xproto.CreateGCChecked(conn, p.gc, xproto.Drawable(p.win), 0, nil).Check(); err != nil {
		tb.Fatal(err)
	}
	if err := xproto.MapWindowChecked(conn, p.win).Check(); err != nil {
		tb.Fatal(err)
	}
	return p
}

func (p *xpainter) fill(r image.Rectangle, c color.RGBA) {
	xproto.ChangeGC(p.conn, p.gc, xproto.GcForeground, []uint32{uint32(c.R)<<16 | uint32(c.G)<<8 | uint32(c.B)})
	xproto.PolyFillRectangle(p.conn, xproto.Drawable(p.win), p.gc, []xproto.Rectangle{
		{X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy())}})
	if _, err := xproto.GetInputFocus(p.conn).Reply(); err != nil { // wait until drawn
		p.tb.Fatalf("sync with X: %v", err)
	}
}

// scatter covers the whole screen with n random 24×24 squares in 16
// random colours: every tile changes, with texture, like a video.
func (p *xpainter) scatter(r *rand.Rand, n int) {
	for c := 0; c < 16; c++ {
		xproto.ChangeGC(p.conn, p.gc, xproto.GcForeground, []uint32{r.Uint32() & 0xffffff})
		rects := make([]xproto.Rectangle, n/16)
		for i := range rects {
			rects[i] = xproto.Rectangle{X: int16(r.IntN(p.w)), Y: int16(r.IntN(p.h)), Width: 24, Height: 24}
		}
		xproto.PolyFillRectangle(p.conn, xproto.Drawable(p.win), p.gc, rects)
	}
	if _, err := xproto.GetInputFocus(p.conn).Reply(); err != nil {
		p.tb.Fatalf("sync with X: %v", err)
	}
}

// near reports whether two colours match within JPEG tolerance.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) < 32 && d(a.G, b.G) < 32 && d(a.B, b.B) < 32
}

// screenSig is a signaling message as the viewer sees it.
type screenSig struct {
	Type   string `json:"type"`
	SDP    string `json:"sdp,omitempty"`
	Reason string `json:"reason,omitempty"`
	Hello  *struct {
		Width, Height int
		CanControl    bool   `json:"can_control"`
		RecordingID   string `json:"recording_id"`
		Transport     string
	} `json:"hello,omitempty"`
	Control json.RawMessage             `json:"control,omitempty"`
	Stats   *struct{ Transport string } `json:"stats,omitempty"`
}

// screenViewer is a test viewer: the WebSocket, and a pion peer when the
// gateway offers WebRTC. Frames (whole records) arrive on frames; text
// messages other than offers on sigs.
type screenViewer struct {
	t      testing.TB
	ws     *websocket.Conn
	pc     *webrtc.PeerConnection
	hello  screenSig
	frames chan []byte
	sigs   chan screenSig
	wmu    sync.Mutex
	done   chan struct{}
}

// dialScreen opens the screen WebSocket; on a non-101 answer it returns the status.
func (g *gw) dialScreen(token, sessionID, query string) (*websocket.Conn, int, error) {
	u, _ := url.Parse(g.url)
	u.Scheme = "wss"
	u.Path = "/api/v1/sessions/" + sessionID + "/screen"
	u.RawQuery = query
	h := http.Header{"Authorization": {"Bearer " + token}}
	d := websocket.Dialer{TLSClientConfig: g.tls, HandshakeTimeout: 20 * time.Second}
	ws, resp, err := d.Dial(u.String(), h)
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		return nil, code, err
	}
	return ws, 101, nil
}

// watchScreen connects a viewer and answers the gateway's offer with a
// loopback pion peer (unless the gateway streams over the WebSocket).
func (g *gw) watchScreen(t testing.TB, token, sessionID, query string) *screenViewer {
	t.Helper()
	ws, code, err := g.dialScreen(token, sessionID, query)
	if err != nil {
		t.Fatalf("dial screen: status %d: %v", code, err)
	}
	v := &screenViewer{t: t, ws: ws, frames: make(chan []byte, 256), sigs: make(chan screenSig, 64), done: make(chan struct{})}
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	if err := ws.ReadJSON(&v.hello); err != nil || v.hello.Type != "hello" || v.hello.Hello == nil {
		t.Fatalf("first message: %+v, %v; want a hello", v.hello, err)
	}
	ws.SetReadDeadline(time.Time{})
	go v.read()
	return v
}

func (v *screenViewer) read() {
	defer close(v.done)
	for {
		typ, b, err := v.ws.ReadMessage()
		if err != nil {
			close(v.sigs)
			return
		}
		if typ == websocket.BinaryMessage {
			v.frames <- b
			continue
		}
		var s screenSig
		if json.Unmarshal(b, &s) != nil {
			continue
		}
		if s.Type == "offer" {
			v.answer(s.SDP)
			continue
		}
		select {
		case v.sigs <- s:
		default: // stats nobody waits for
		}
	}
}

func (v *screenViewer) send(s any) {
	v.wmu.Lock()
	defer v.wmu.Unlock()
	v.ws.WriteJSON(s)
}

func (v *screenViewer) answer(offer string) {
	se, _ := rtc.SettingEngine(rtc.Config{Loopback: true})
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		v.t.Errorf("viewer peer: %v", err)
		return
	}
	v.pc = pc
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		var r rtc.Reassembler
		dc.OnMessage(func(m webrtc.DataChannelMessage) {
			if rec, err := r.Add(m.Data); err == nil && rec != nil {
				select {
				case v.frames <- rec:
				default:
				}
			}
		})
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		v.t.Errorf("viewer: offer: %v", err)
		return
	}
	ans, _ := pc.CreateAnswer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	pc.SetLocalDescription(ans)
	<-gathered
	v.send(map[string]string{"type": "answer", "sdp": pc.LocalDescription().SDP})
}

// waitPicture paints frames until check accepts the picture.
func (v *screenViewer) waitPicture(what string, cv *screenrec.Canvas, check func(*image.RGBA) bool) {
	v.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case rec := <-v.frames:
			f, err := wire.ScreenParseFrame(rec)
			if err != nil {
				v.t.Fatalf("bad frame from the gateway: %v", err)
			}
			if cv.Image() == nil && !f.Key {
				continue // a viewer starts on a keyframe
			}
			if err := cv.ApplyFrame(f); err != nil {
				v.t.Fatal(err)
			}
			if check(cv.Image()) {
				return
			}
		case <-timeout:
			v.t.Fatalf("the viewer never showed %s", what)
		}
	}
}

// waitSig waits for a signaling message of type typ.
func (v *screenViewer) waitSig(typ string) screenSig {
	v.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case s, ok := <-v.sigs:
			if !ok {
				v.t.Fatalf("the screen WebSocket closed while waiting for %q", typ)
			}
			if s.Type == typ {
				return s
			}
		case <-timeout:
			v.t.Fatalf("no %q message within 20 s", typ)
		}
	}
}

func (v *screenViewer) close() {
	v.ws.Close()
	<-v.done
	if v.pc != nil {
		v.pc.Close()
	}
}
