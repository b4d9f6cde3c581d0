package screen

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/screenrec"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

var testMonitors = []wire.ScreenMonitor{{Name: "A", Width: 32, Height: 32, Primary: true}, {Name: "B", X: 32, Width: 32, Height: 32}}

// sendRecord writes one record from the agent.
func (a *agent) send(t *testing.T, b []byte) {
	t.Helper()
	if _, err := a.conn.Write(b); err != nil {
		t.Fatal(err)
	}
}

func sizedFrame(t *testing.T, seq uint32, w, h uint16) []byte {
	t.Helper()
	b, err := wire.ScreenAppendFrame(nil, &wire.ScreenFrame{Seq: seq, Width: w, Height: h, Key: true,
		Tiles: []wire.ScreenTile{{W: w, H: h, Quality: 80, JPEG: []byte{0xFF, 0xD8, 0xFF, 0xD9}}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func helloRecord(t *testing.T, h *wire.ScreenHello) []byte {
	t.Helper()
	var b strings.Builder
	if err := wire.ScreenEncodeHello(&b, h); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

// monitorFixture is a feed of a 64×32 screen with two 32×32 monitors,
// watched by two views.
type monitorFixture struct {
	dir    *blob.Dir
	rows   *rows
	ag     *agent
	views  [2]*View
	conns  [2]*fakeConn
	done   [2]chan string
	mu     sync.Mutex
	audits []MonitorSwitch
	fail   bool
}

func newMonitorFixture(t *testing.T) *monitorFixture {
	t.Helper()
	hub, rs, a, gw, dir := startAgent(t, Config{}, wire.ScreenHello{Width: 64, Height: 32, Display: ":0", Monitors: testMonitors, Monitor: -1})
	f := &monitorFixture{dir: dir, rows: rs, ag: a}
	sess := newFakeSession("screen")
	s := &store.Session{ID: "s_1", TicketID: 7, Host: store.HostInfo{Hostname: "pc"}}
	for i := range f.views {
		v, err := hub.joinOn(sess, func() (io.ReadWriteCloser, error) { return gw, nil }, s, []string{"tina", "tom"}[i])
		if err != nil {
			t.Fatal(err)
		}
		f.views[i], f.conns[i], f.done[i] = v, newFakeConn(), make(chan string, 1)
	}
	// Only the first view has an audit hook (as the api package sets on every view).
	f.views[0].OnMonitor(func(_ context.Context, sw MonitorSwitch) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.fail {
			return errors.New("disk full")
		}
		f.audits = append(f.audits, sw)
		return nil
	})
	for i := range f.views {
		go func() { f.done[i] <- f.views[i].Serve(context.Background(), f.conns[i], false, TransportWebSocket) }()
	}
	return f
}

func (f *monitorFixture) signal(t *testing.T, i int, typ string) signalMsg {
	t.Helper()
	var s signalMsg
	json.Unmarshal(f.conns[i].next(t, signalOf(t, typ)).p, &s)
	return s
}

func (f *monitorFixture) ask(i int, monitor string) {
	f.conns[i].in <- msg{true, []byte(`{"type":"control","control":{"type":"monitor","monitor":` + monitor + `}}`)}
}

func TestViewMonitorSwitch(t *testing.T) {
	f := newMonitorFixture(t)
	for i := range f.views {
		h := f.signal(t, i, sigHello).Hello
		if diff := cmp.Diff(testMonitors, h.Monitors); diff != "" || h.Monitor != -1 || h.Width != 64 {
			t.Errorf("view %d hello: monitor %d, %dx%d, monitors (-want +got):\n%s", i, h.Monitor, h.Width, h.Height, diff)
		}
	}

	// Refused: an index the client does not have, a view that cannot audit, a failed audit.
	f.ask(0, "5")
	if s := f.signal(t, 0, sigError); !strings.Contains(s.Reason, "monitor 5 refused") {
		t.Errorf("monitor 5: %q", s.Reason)
	}
	f.ask(1, "0")
	if s := f.signal(t, 1, sigError); !strings.Contains(s.Reason, "cannot be audited") {
		t.Errorf("unaudited switch: %q", s.Reason)
	}
	f.mu.Lock()
	f.fail = true
	f.mu.Unlock()
	f.ask(0, "0")
	if s := f.signal(t, 0, sigError); !strings.Contains(s.Reason, "audit entry could not be written") {
		t.Errorf("failed audit: %q", s.Reason)
	}
	f.mu.Lock()
	f.fail = false
	f.mu.Unlock()

	f.ask(0, "1")
	if c := f.ag.control(t, wire.ScreenMonitorMsg); *c.Monitor != 1 {
		t.Fatalf("the client got monitor %d, want 1 (the refused ones must not reach it)", *c.Monitor)
	}
	f.mu.Lock()
	want := []MonitorSwitch{{Actor: "tina", SessionID: "s_1", TicketID: 7, RecordingID: f.views[0].RecordingID(), From: -1, To: 1, Monitor: &testMonitors[1], Viewers: 2}}
	if diff := cmp.Diff(want, f.audits); diff != "" {
		t.Errorf("audited (-want +got):\n%s", diff)
	}
	f.mu.Unlock()

	// The client answers with a new hello and a keyframe of the monitor's size.
	newHello := helloRecord(t, &wire.ScreenHello{Width: 32, Height: 32, Display: ":0", Monitors: testMonitors, Monitor: 1})
	f.ag.send(t, sizedFrame(t, 0, 64, 32))
	f.ag.send(t, newHello)
	f.ag.send(t, sizedFrame(t, 1, 32, 32))
	for i := range f.views {
		m := f.signal(t, i, sigMonitor).Monitor
		if m == nil || m.Monitor != 1 || m.Width != 32 || m.Height != 32 || len(m.Monitors) != 2 {
			t.Errorf("view %d: monitor signal %+v", i, m)
		}
		if h := f.views[i].Hello(); h.Monitor != 1 || h.Width != 32 {
			t.Errorf("view %d: Hello() %+v", i, h)
		}
	}
	f.ask(0, "1") // already streamed: nothing to do, nothing audited
	f.ask(0, "-1")
	if c := f.ag.control(t, wire.ScreenMonitorMsg); *c.Monitor != -1 {
		t.Errorf("the client got monitor %d, want -1", *c.Monitor)
	}
	f.mu.Lock()
	if len(f.audits) != 2 || f.audits[1].From != 1 || f.audits[1].To != -1 || f.audits[1].Monitor != nil {
		t.Errorf("audits %+v, want the switch back to all second", f.audits)
	}
	f.mu.Unlock()

	for i := range f.views {
		close(f.conns[i].in)
		select {
		case <-f.done[i]:
		case <-time.After(5 * time.Second):
			t.Fatal("Serve did not return")
		}
	}
	// The recording starts with the monitor list and holds the switch.
	row := f.rows.get(f.views[0].RecordingID())
	rc, _, err := f.dir.Open(context.Background(), row.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	rd, err := screenrec.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(testMonitors, rd.Header.Monitors); diff != "" || rd.Header.Monitor != -1 {
		t.Errorf("header monitor %d, monitors (-want +got):\n%s", rd.Header.Monitor, diff)
	}
	var types []byte
	for {
		e, err := rd.Next()
		if err != nil {
			break
		}
		types = append(types, e.Type)
		if e.Type == wire.ScreenMsgHello && string(e.Record) != string(newHello) {
			t.Error("the recorded hello is not the client's")
		}
	}
	if diff := cmp.Diff([]byte{wire.ScreenMsgFrame, wire.ScreenMsgHello, wire.ScreenMsgFrame}, types); diff != "" {
		t.Errorf("recorded entries (-want +got):\n%s", diff)
	}
}

func TestFeedRefusesBadHello(t *testing.T) {
	f := newMonitorFixture(t)
	f.signal(t, 0, sigHello)
	// Monitor 1 is 32 wide: a hello saying it is streamed at 64×32 is a lie.
	b := helloRecord(t, &wire.ScreenHello{Width: 32, Height: 32, Monitors: testMonitors, Monitor: 1})
	f.ag.send(t, []byte(strings.Replace(string(b), `{"width":32,`, `{"width":64,`, 1))) // same length
	if reason := <-f.done[0]; !strings.Contains(reason, "bad hello") {
		t.Errorf("Serve: %q, want the bad hello", reason)
	}
	<-f.done[1]
}
