package term

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/internal/wire"
)

// pipeShell is the agent's side over two pipes: the test writes what the
// shell prints to out, and reads what it was sent from in.
type pipeShell struct {
	outR *io.PipeReader // the bridge reads output here
	outW *io.PipeWriter // the test prints here
	inR  *io.PipeReader // the test reads keystrokes here
	inW  *io.PipeWriter // the bridge writes keystrokes here

	mu      sync.Mutex
	sizes   [][2]int
	refuse  bool // Resize fails
	closed  bool
	closeCh chan struct{}
}

func newPipeShell() *pipeShell {
	s := &pipeShell{closeCh: make(chan struct{})}
	s.outR, s.outW = io.Pipe()
	s.inR, s.inW = io.Pipe()
	return s
}

func (s *pipeShell) Read(p []byte) (int, error)  { return s.outR.Read(p) }
func (s *pipeShell) Write(p []byte) (int, error) { return s.inW.Write(p) }
func (s *pipeShell) Resize(c, r int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse {
		return errors.New("refused")
	}
	s.sizes = append(s.sizes, [2]int{c, r})
	return nil
}
func (s *pipeShell) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.closeCh)
		s.outR.CloseWithError(io.EOF)
		s.inW.CloseWithError(io.ErrClosedPipe)
		s.inR.CloseWithError(io.ErrClosedPipe)
	}
	return nil
}

// msg is one browser message.
type msg struct {
	text bool
	p    []byte
}

// chanBrowser is the technician's side over channels.
type chanBrowser struct {
	in  chan msg // the test sends, the bridge reads
	out chan msg // the bridge writes, the test reads

	mu       sync.Mutex
	closed   chan struct{}
	reason   string
	writeErr error
}

func newChanBrowser() *chanBrowser {
	return &chanBrowser{in: make(chan msg), out: make(chan msg, 64), closed: make(chan struct{})}
}

func (b *chanBrowser) ReadMessage() (bool, []byte, error) {
	select {
	case m, ok := <-b.in:
		if !ok {
			return false, nil, io.EOF
		}
		return m.text, m.p, nil
	case <-b.closed:
		return false, nil, errors.New("closed")
	}
}

func (b *chanBrowser) write(m msg) error {
	b.mu.Lock()
	err := b.writeErr
	b.mu.Unlock()
	if err != nil {
		return err
	}
	b.out <- m
	return nil
}
func (b *chanBrowser) WriteBinary(p []byte) error {
	return b.write(msg{false, append([]byte(nil), p...)})
}
func (b *chanBrowser) WriteText(p []byte) error { return b.write(msg{true, append([]byte(nil), p...)}) }
func (b *chanBrowser) Close(reason string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reason = reason
	close(b.closed)
	return nil
}

// next returns the next message the browser got, or fails after a while.
func (b *chanBrowser) next(t *testing.T) msg {
	t.Helper()
	select {
	case m := <-b.out:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("the browser got nothing")
		return msg{}
	}
}

// memRecording keeps what was recorded.
type memRecording struct {
	mu        sync.Mutex
	out, in   []byte
	sizes     [][2]int
	outErr    error
	inErr     error
	outEvents int
}

func (r *memRecording) Output(p []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.outErr != nil {
		return r.outErr
	}
	r.out = append(r.out, p...)
	r.outEvents++
	return nil
}
func (r *memRecording) Input(p []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inErr != nil {
		return r.inErr
	}
	r.in = append(r.in, p...)
	return nil
}
func (r *memRecording) Resize(c, rows int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sizes = append(r.sizes, [2]int{c, rows})
}

type bridge struct {
	sh    *pipeShell
	br    *chanBrowser
	rec   *memRecording
	touch chan struct{}
	done  chan error
}

func start(t *testing.T, ctx context.Context, mod func(*Config)) *bridge {
	t.Helper()
	b := &bridge{sh: newPipeShell(), br: newChanBrowser(), rec: &memRecording{}, touch: make(chan struct{}, 100), done: make(chan error, 1)}
	cfg := Config{Shell: b.sh, Browser: b.br, Recording: b.rec, RecordingID: "r_test",
		Touch: func() {
			select {
			case b.touch <- struct{}{}:
			default:
			}
		}}
	if mod != nil {
		mod(&cfg)
	}
	go func() { b.done <- Run(ctx, cfg) }()
	hello := b.br.next(t)
	var h wire.BrowserShellRecording
	if !hello.text || json.Unmarshal(hello.p, &h) != nil || h.Type != wire.BrowserShellTypeRecording || h.ID != "r_test" {
		t.Fatalf("first message: got %q (text %v), want the recording hello for r_test", hello.p, hello.text)
	}
	return b
}

// wait returns Run's result and the exit frame the browser got (it fails
// without one, unless the browser's writes fail).
func (b *bridge) wait(t *testing.T) (error, wire.BrowserShellExit) {
	t.Helper()
	var why error
	select {
	case why = <-b.done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	var exit wire.BrowserShellExit
	for {
		select {
		case m := <-b.br.out:
			if m.text && json.Unmarshal(m.p, &exit) == nil && exit.Type == wire.BrowserShellTypeExit {
				return why, exit
			}
		default:
			b.br.mu.Lock()
			lost := b.br.writeErr != nil
			b.br.mu.Unlock()
			if !lost {
				t.Fatal("the browser got no exit frame")
			}
			return why, wire.BrowserShellExit{}
		}
	}
}

func TestOutputIsRecordedThenSent(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	b := start(t, ctx, nil)
	go b.sh.outW.Write([]byte("hello\r\n"))
	m := b.br.next(t)
	if m.text || string(m.p) != "hello\r\n" {
		t.Errorf("browser got %q (text %v), want binary %q", m.p, m.text, "hello\r\n")
	}
	b.rec.mu.Lock()
	if got := string(b.rec.out); got != "hello\r\n" {
		t.Errorf("recorded output %q, want %q", got, "hello\r\n")
	}
	b.rec.mu.Unlock()
	cancel(cause.With(cause.RightWithdrawn, "the token expired"))
	why, exit := b.wait(t)
	if !errors.Is(why, cause.RightWithdrawn) {
		t.Errorf("Run: got %v, want the context's cause (right withdrawn)", why)
	}
	if exit.Code != cause.RightWithdrawn.Code() || exit.Reason != why.Error() {
		t.Errorf("exit frame: got %+v, want code %q and reason %q", exit, cause.RightWithdrawn.Code(), why.Error())
	}
	if b.br.reason != truncate(why.Error(), 100) {
		t.Errorf("close reason %q, want %q", b.br.reason, why.Error())
	}
	select {
	case <-b.sh.closeCh:
	default:
		t.Error("the shell was not closed")
	}
}

func TestInputIsRecordedThenTyped(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	b := start(t, ctx, nil)
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 64)
		n, _ := b.sh.inR.Read(buf)
		got <- string(buf[:n])
	}()
	b.br.in <- msg{false, []byte("ls\r")}
	if s := <-got; s != "ls\r" {
		t.Errorf("shell got %q, want %q", s, "ls\r")
	}
	b.rec.mu.Lock()
	if s := string(b.rec.in); s != "ls\r" {
		t.Errorf("recorded input %q, want %q", s, "ls\r")
	}
	b.rec.mu.Unlock()
	select {
	case <-b.touch:
	default:
		t.Error("input did not count as activity")
	}
	cancel(cause.GatewayShutdown)
	if why, _ := b.wait(t); !errors.Is(why, cause.GatewayShutdown) {
		t.Errorf("Run: got %v, want gateway shutdown", why)
	}
}

func TestResizeControl(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	b := start(t, ctx, nil)
	handled := func() { // a keystroke through: the messages before it were handled
		b.br.in <- msg{false, []byte("x")}
		b.sh.inR.Read(make([]byte, 8))
	}
	b.br.in <- msg{true, []byte(`{"type":"nonsense"}`)}                    // ignored
	b.br.in <- msg{true, []byte(`{"type":"resize","cols":120,"rows":40}`)} // applied and recorded
	handled()
	b.sh.mu.Lock()
	b.sh.refuse = true
	b.sh.mu.Unlock()
	b.br.in <- msg{true, []byte(`{"type":"resize","cols":90,"rows":30}`)} // refused by the shell: not recorded
	handled()
	cancel(cause.TechnicianEnded)
	b.wait(t)
	want := [][2]int{{120, 40}}
	if len(b.sh.sizes) != 1 || b.sh.sizes[0] != want[0] {
		t.Errorf("shell sizes %v, want %v", b.sh.sizes, want)
	}
	if len(b.rec.sizes) != 1 || b.rec.sizes[0] != want[0] {
		t.Errorf("recorded sizes %v, want %v (a refused resize is not recorded)", b.rec.sizes, want)
	}
}

func TestEndCauses(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		act  func(b *bridge)
		want *cause.Cause
	}{
		{"shell exits", func(c *Config) { c.ShellEnded = func() error { return cause.ShellExited } },
			func(b *bridge) { b.sh.outW.Close() }, cause.ShellExited},
		{"shell ends, default cause", nil,
			func(b *bridge) { b.sh.outW.Close() }, cause.LinkLost},
		{"browser goes", nil,
			func(b *bridge) { close(b.br.in) }, cause.TechnicianEnded},
		{"browser write fails", nil,
			func(b *bridge) {
				b.br.mu.Lock()
				b.br.writeErr = errors.New("broken pipe")
				b.br.mu.Unlock()
				b.sh.outW.Write([]byte("out"))
			}, cause.TechnicianEnded},
		{"output recording fails", func(c *Config) { c.Recording.(*memRecording).outErr = errors.New("disk full") },
			func(b *bridge) { b.sh.outW.Write([]byte("out")) }, cause.RecordingFailed},
		{"input recording fails", func(c *Config) { c.Recording.(*memRecording).inErr = errors.New("disk full") },
			func(b *bridge) { b.br.in <- msg{false, []byte("x")} }, cause.RecordingFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := start(t, context.Background(), tt.mod)
			go tt.act(b)
			why, exit := b.wait(t)
			if !errors.Is(why, tt.want) {
				t.Errorf("Run: got %v, want %v", why, tt.want)
			}
			if exit.Type != "" && exit.Code != tt.want.Code() {
				t.Errorf("exit code %q, want %q", exit.Code, tt.want.Code())
			}
		})
	}
}

func TestRecordingFailureStopsBeforeTheBrowserSeesIt(t *testing.T) {
	b := start(t, context.Background(), func(c *Config) { c.Recording.(*memRecording).outErr = errors.New("disk full") })
	go b.sh.outW.Write([]byte("secret output"))
	b.wait(t)
	for {
		select {
		case m := <-b.br.out:
			if !m.text {
				t.Errorf("the browser got unrecorded output %q", m.p)
			}
		default:
			return
		}
	}
}
