package screen

import (
	"bufio"
	"context"
	"image"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/tetherhq/tether/internal/wire"
)

// gatewayEnd plays the gateway on the other end of a pipe.
type gatewayEnd struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func (g *gatewayEnd) send(c *wire.ScreenControl) {
	g.t.Helper()
	if err := wire.ScreenEncodeControl(g.conn, c); err != nil {
		g.t.Fatalf("send %+v: %v", c, err)
	}
}

func (g *gatewayEnd) frame() *wire.ScreenFrame {
	g.t.Helper()
	f, err := wire.ScreenDecodeFrame(g.r, 0)
	if err != nil {
		g.t.Fatalf("read frame: %v", err)
	}
	return f
}

func startServe(t *testing.T, ctx context.Context, cfg ServeConfig) (*gatewayEnd, chan error) {
	t.Helper()
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, a, cfg) }()
	g := &gatewayEnd{t: t, conn: b, r: bufio.NewReader(b)}
	t.Cleanup(func() { b.Close() })
	return g, done
}

func TestServe(t *testing.T) {
	defer goleak.VerifyNone(t)
	cap := newFakeCapturer(320, 200, grey)
	inj := newFakeInjector()
	g, done := startServe(t, context.Background(), ServeConfig{
		Streamer: StreamerConfig{Capturer: cap, FPS: 30}, Injector: inj, Display: ":7\x1b",
	})
	hello, err := wire.ScreenDecodeHello(g.r)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&wire.ScreenHello{Width: 320, Height: 200, Display: ":7", CanControl: true}, hello); diff != "" {
		t.Errorf("hello (-want +got):\n%s", diff)
	}
	if f := g.frame(); !f.Key || f.Seq != 0 {
		t.Fatalf("first frame: %+v, want keyframe 0", f)
	}

	g.send(&wire.ScreenControl{Type: wire.ScreenQuality, Quality: 40})
	g.send(&wire.ScreenControl{Type: wire.ScreenKeyframe})
	// The keyframe comes after the quality change was applied (controls
	// are handled in order), so its tiles carry quality 40.
	for {
		f := g.frame()
		if f.Key && f.Tiles[0].Quality == 40 {
			break
		}
	}

	ev := wire.ScreenInput{Kind: wire.ScreenMouseDown, X: 10, Y: 20, Button: 2}
	g.send(&wire.ScreenControl{Type: wire.ScreenInputMsg, Input: &ev})
	<-inj.got
	if diff := cmp.Diff([]wire.ScreenInput{ev}, inj.events); diff != "" {
		t.Errorf("injected (-want +got):\n%s", diff)
	}

	g.send(&wire.ScreenControl{Type: wire.ScreenPause})
	cap.fill(image.Rect(0, 0, 5, 5), red)
	g.send(&wire.ScreenControl{Type: wire.ScreenResume})
	for {
		if f := g.frame(); f.Key {
			break // resume starts with a keyframe
		}
	}
	g.conn.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve after the gateway closed: %v, want nil", err)
	}
}

func TestServeRefusesInputWithoutControl(t *testing.T) {
	defer goleak.VerifyNone(t)
	inj := newFakeInjector()
	allowed := false
	for _, tc := range []struct {
		name string
		cfg  ServeConfig
	}{
		{"no injector", ServeConfig{}},
		{"control revoked", ServeConfig{Injector: inj, Control: func() bool { return allowed }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Streamer = StreamerConfig{Capturer: newFakeCapturer(64, 64, grey)}
			ctx, cancel := context.WithCancel(context.Background())
			g, done := startServe(t, ctx, tc.cfg)
			hello, err := wire.ScreenDecodeHello(g.r)
			if err != nil {
				t.Fatal(err)
			}
			if hello.CanControl != (tc.cfg.Injector != nil) {
				t.Errorf("can_control = %v", hello.CanControl)
			}
			g.frame()
			g.send(&wire.ScreenControl{Type: wire.ScreenInputMsg, Input: &wire.ScreenInput{Kind: wire.ScreenKeyDown, Key: "a"}})
			// A keyframe request after the input proves the input was read.
			g.send(&wire.ScreenControl{Type: wire.ScreenKeyframe})
			g.frame()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve after cancel: %v", err)
			}
			if len(inj.events) != 0 {
				t.Errorf("input injected without scope control: %+v", inj.events)
			}
		})
	}
}

func TestServeBadControl(t *testing.T) {
	defer goleak.VerifyNone(t)
	g, done := startServe(t, context.Background(), ServeConfig{Streamer: StreamerConfig{Capturer: newFakeCapturer(64, 64, grey)}})
	if _, err := wire.ScreenDecodeHello(g.r); err != nil {
		t.Fatal(err)
	}
	g.frame()
	if _, err := g.conn.Write([]byte{0, 0, 0, 2, wire.ScreenMsgControl, '{'}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("Serve accepted a malformed control record")
	}
}
