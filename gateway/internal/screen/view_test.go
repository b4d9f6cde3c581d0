package screen

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/recording"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// fakeSession is a live session that ends when told to.
type fakeSession struct {
	ctx     context.Context
	end     context.CancelCauseFunc
	granted wire.Scopes
}

func newFakeSession(scopes ...string) *fakeSession {
	ctx, cancel := context.WithCancelCause(context.Background())
	g, _ := wire.NewScopes(scopes)
	return &fakeSession{ctx: ctx, end: cancel, granted: g}
}

func (s *fakeSession) Done() <-chan struct{} { return s.ctx.Done() }
func (s *fakeSession) Cause() error          { return context.Cause(s.ctx) }
func (s *fakeSession) Granted() wire.Scopes  { return s.granted }

// rows keeps recording rows in memory.
type rows struct {
	mu sync.Mutex
	m  map[string]store.Recording
}

func (r *rows) CreateRecording(_ context.Context, rec *store.Recording) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[rec.ID] = *rec
	return nil
}
func (r *rows) UpdateRecording(ctx context.Context, rec *store.Recording) error {
	return r.CreateRecording(ctx, rec)
}
func (r *rows) get(id string) store.Recording {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[id]
}

// msg is one message on the viewer's connection.
type msg struct {
	text bool
	p    []byte
}

// fakeConn is the viewer's side.
type fakeConn struct {
	in     chan msg
	out    chan msg
	once   sync.Once
	closed chan struct{}
}

func newFakeConn() *fakeConn {
	return &fakeConn{in: make(chan msg), out: make(chan msg, 256), closed: make(chan struct{})}
}

func (c *fakeConn) ReadMessage() (bool, []byte, error) {
	select {
	case m, ok := <-c.in:
		if !ok {
			return false, nil, io.EOF
		}
		return m.text, m.p, nil
	case <-c.closed:
		return false, nil, errors.New("closed")
	}
}
func (c *fakeConn) WriteText(p []byte) error {
	c.out <- msg{true, append([]byte(nil), p...)}
	return nil
}
func (c *fakeConn) WriteBinary(p []byte) error {
	c.out <- msg{false, append([]byte(nil), p...)}
	return nil
}
func (c *fakeConn) Close(string) error { c.once.Do(func() { close(c.closed) }); return nil }

// next returns the next message that matches keep.
func (c *fakeConn) next(t *testing.T, keep func(msg) bool) msg {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m := <-c.out:
			if keep(m) {
				return m
			}
		case <-timeout:
			t.Fatal("the viewer got nothing it was waiting for")
		}
	}
}

func signalOf(t *testing.T, typ string) func(msg) bool {
	return func(m msg) bool {
		var s signalMsg
		return m.text && json.Unmarshal(m.p, &s) == nil && s.Type == typ
	}
}

func isBinary(m msg) bool { return !m.text }

// agent is the client's side of a screen channel over a pipe.
type agent struct {
	conn     net.Conn
	controls chan *wire.ScreenControl
}

func (a *agent) frame(t *testing.T, seq uint32, key bool) []byte {
	t.Helper()
	f := &wire.ScreenFrame{Seq: seq, Width: 64, Height: 32, Key: key,
		Tiles: []wire.ScreenTile{{X: 0, Y: 0, W: 64, H: 32, Quality: 80, JPEG: []byte{0xFF, 0xD8, 0xFF, 0xD9}}}}
	b, err := wire.ScreenAppendFrame(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.conn.Write(b); err != nil {
		t.Fatal(err)
	}
	return b
}

type fixture struct {
	hub  *Hub
	rows *rows
	sess *fakeSession
	ag   *agent
	view *View
}

func newFixture(t *testing.T, scopes ...string) *fixture {
	t.Helper()
	hub, rs, a, gw, _ := startAgent(t, Config{}, wire.ScreenHello{Width: 64, Height: 32, Display: ":0", CanControl: true})
	sess := newFakeSession(scopes...)
	view, err := hub.joinOn(sess, func() (io.ReadWriteCloser, error) { return gw, nil },
		&store.Session{ID: "s_1", TicketID: 1, Host: store.HostInfo{Hostname: "pc"}}, "tina")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{hub: hub, rows: rs, sess: sess, ag: a, view: view}
}

// startAgent makes a hub (cfg with recordings in a temporary directory)
// and a fake agent on a pipe that says hello and collects the controls it
// gets; gw is the gateway's end of the pipe, for joinOn; dir holds the
// recordings.
func startAgent(t *testing.T, cfg Config, hello wire.ScreenHello) (hub *Hub, rs *rows, a *agent, gw net.Conn, dir *blob.Dir) {
	t.Helper()
	dir, err := blob.NewDir(filepath.Join(t.TempDir(), "rec"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	rs = &rows{m: map[string]store.Recording{}}
	if cfg.Recordings, err = recording.New(recording.Config{Store: rs, Blobs: dir}); err != nil {
		t.Fatal(err)
	}
	if hub, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	gw, ag := net.Pipe()
	a = &agent{conn: ag, controls: make(chan *wire.ScreenControl, 16)}
	go func() {
		if err := wire.ScreenEncodeHello(ag, &hello); err != nil {
			return
		}
		for {
			c, err := wire.ScreenDecodeControl(ag)
			if err != nil {
				return
			}
			a.controls <- c
		}
	}()
	return hub, rs, a, gw, dir
}

// control returns the next control the agent got that is not a keyframe request,
// or a keyframe request when want is one.
func (a *agent) control(t *testing.T, want string) *wire.ScreenControl {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case c := <-a.controls:
			if c.Type == want {
				return c
			}
		case <-timeout:
			t.Fatalf("the agent got no %s control", want)
			return nil
		}
	}
}

func TestViewOverWebSocket(t *testing.T) {
	f := newFixture(t, "screen", "control")
	conn := newFakeConn()
	done := make(chan string, 1)
	go func() { done <- f.view.Serve(context.Background(), conn, true, TransportWebSocket) }()

	var hello signalMsg
	json.Unmarshal(conn.next(t, signalOf(t, sigHello)).p, &hello)
	if hello.Hello == nil || hello.Hello.Transport != TransportWebSocket || hello.Hello.RecordingID != f.view.RecordingID() ||
		!hello.Hello.CanControl || hello.Hello.Width != 64 {
		t.Fatalf("hello %+v", hello.Hello)
	}
	if f.rows.get(f.view.RecordingID()).State != store.RecordingActive {
		t.Error("no active recording while the screen is shown")
	}
	f.ag.control(t, wire.ScreenKeyframe) // no picture yet: the client is asked for one
	f.ag.frame(t, 1, false)              // a delta before any keyframe: not for this viewer
	key := f.ag.frame(t, 2, true)
	delta := f.ag.frame(t, 3, false)
	if got := conn.next(t, isBinary); string(got.p) != string(key) {
		t.Errorf("first frame to the viewer is not the keyframe")
	}
	if got := conn.next(t, isBinary); string(got.p) != string(delta) {
		t.Errorf("second frame to the viewer is not the delta")
	}

	// The viewer asks for a keyframe (it lost one): the gateway's composite
	// answers, seq 3 so that delta 4 follows; the client is not asked.
	conn.in <- msg{true, []byte(`{"type":"control","control":{"type":"keyframe"}}`)}
	got := conn.next(t, isBinary)
	kf, err := wire.ScreenParseFrame(got.p)
	if err != nil || !kf.Key || kf.Seq != 3 || len(kf.Tiles) != 1 {
		t.Fatalf("refresh: %+v, %v; want the composite as keyframe 3", kf, err)
	}
	conn.in <- msg{true, []byte(`{"type":"control","control":{"type":"input","input":{"kind":"mousemove","x":3,"y":4}}}`)}
	for c := range f.ag.controls {
		if c.Type == wire.ScreenKeyframe {
			t.Error("the client was asked for a keyframe the composite had")
		}
		if c.Type == wire.ScreenInputMsg {
			if c.Input.X != 3 {
				t.Errorf("input %+v, want x 3", c.Input)
			}
			break
		}
	}
	conn.in <- msg{true, []byte(`{"type":"nonsense"}`)}
	conn.next(t, signalOf(t, sigError)) // refused, not fatal
	conn.in <- msg{false, []byte("binary")}
	conn.next(t, signalOf(t, sigError))

	close(conn.in) // the viewer leaves
	select {
	case reason := <-done:
		if reason != "the viewer left" {
			t.Errorf("Serve: %q, want %q", reason, "the viewer left")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	row := f.rows.get(f.view.RecordingID())
	if row.State != store.RecordingSealed || row.SHA256 == "" {
		t.Errorf("after the last viewer left: row %+v, want sealed", row)
	}
	if st := f.view.Stats(); st.Frames != 3 || st.Inputs != 1 || st.Transport != TransportWebSocket {
		t.Errorf("stats %+v, want 3 frames, 1 input over the websocket", st)
	}
}

func TestViewInputNeedsScopeControl(t *testing.T) {
	f := newFixture(t, "screen") // no scope control
	conn := newFakeConn()
	done := make(chan string, 1)
	go func() { done <- f.view.Serve(context.Background(), conn, true, TransportWebSocket) }()
	var hello signalMsg
	json.Unmarshal(conn.next(t, signalOf(t, sigHello)).p, &hello)
	if hello.Hello.CanControl {
		t.Error("hello offers control without scope control")
	}
	conn.in <- msg{true, []byte(`{"type":"control","control":{"type":"input","input":{"kind":"mousemove","x":3,"y":4}}}`)}
	var refused signalMsg
	json.Unmarshal(conn.next(t, signalOf(t, sigError)).p, &refused)
	if !strings.Contains(refused.Reason, "control refused") {
		t.Errorf("refusal %q", refused.Reason)
	}
	close(conn.in)
	<-done
}

func TestViewEnds(t *testing.T) {
	t.Run("right withdrawn", func(t *testing.T) {
		f := newFixture(t, "screen")
		conn := newFakeConn()
		held, withdraw := context.WithCancelCause(context.Background())
		done := make(chan string, 1)
		go func() { done <- f.view.Serve(held, conn, false, TransportWebSocket) }()
		conn.next(t, signalOf(t, sigHello))
		withdraw(cause.With(cause.RightWithdrawn, "the ticket was handed over"))
		var end signalMsg
		json.Unmarshal(conn.next(t, signalOf(t, sigError)).p, &end)
		if reason := <-done; !strings.Contains(reason, "the ticket was handed over") || end.Reason != reason {
			t.Errorf("Serve: %q (viewer told %q), want the withdrawal", reason, end.Reason)
		}
		if st := f.rows.get(f.view.RecordingID()).State; st != store.RecordingSealed {
			t.Errorf("state %q, want sealed (the last viewer left)", st)
		}
	})
	t.Run("session lost", func(t *testing.T) {
		f := newFixture(t, "screen")
		conn := newFakeConn()
		done := make(chan string, 1)
		go func() { done <- f.view.Serve(context.Background(), conn, false, TransportWebSocket) }()
		conn.next(t, signalOf(t, sigHello))
		f.sess.end(cause.LinkLost)
		if reason := <-done; !strings.HasPrefix(reason, "session ended") {
			t.Errorf("Serve: %q, want the session's end", reason)
		}
		if st := f.rows.get(f.view.RecordingID()).State; st != store.RecordingInterrupted {
			t.Errorf("state %q, want interrupted (the link was lost)", st)
		}
	})
	t.Run("client stops sharing", func(t *testing.T) {
		f := newFixture(t, "screen")
		conn := newFakeConn()
		done := make(chan string, 1)
		go func() { done <- f.view.Serve(context.Background(), conn, false, TransportWebSocket) }()
		conn.next(t, signalOf(t, sigHello))
		f.ag.conn.Close()
		if reason := <-done; !strings.Contains(reason, "the client stopped sharing the screen") {
			t.Errorf("Serve: %q", reason)
		}
		if st := f.rows.get(f.view.RecordingID()).State; st != store.RecordingInterrupted {
			t.Errorf("state %q, want interrupted", st)
		}
	})
}
