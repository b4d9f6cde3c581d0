package screen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// audits records clipboard transfers, failing when told to.
type audits struct {
	mu   sync.Mutex
	got  []ClipboardTransfer
	fail bool
}

func (a *audits) record(_ context.Context, t ClipboardTransfer) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail {
		return errors.New("disk full")
	}
	a.got = append(a.got, t)
	return nil
}

func (a *audits) list() []ClipboardTransfer {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]ClipboardTransfer(nil), a.got...)
}

// clipFixture is newFixture with a client that has a clipboard.
func clipFixture(t *testing.T, au *audits, scopes ...string) *fixture {
	t.Helper()
	hub, rs, a, gw, _ := startAgent(t, Config{Clipboard: au.record},
		wire.ScreenHello{Width: 64, Height: 32, Display: ":0", CanControl: true, Clipboard: true})
	sess := newFakeSession(scopes...)
	view, err := hub.joinOn(sess, func() (io.ReadWriteCloser, error) { return gw, nil },
		&store.Session{ID: "s_1", TicketID: 7, Host: store.HostInfo{Hostname: "pc"}}, "tina")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{hub: hub, rows: rs, sess: sess, ag: a, view: view}
}

func hexSHA(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func clipControl(text string) []byte {
	b, _ := json.Marshal(map[string]any{"type": "control", "control": map[string]any{"type": "clipboard", "text": text}})
	return b
}

func TestViewClipboard(t *testing.T) {
	au := &audits{}
	f := clipFixture(t, au, "screen", "control")
	conn := newFakeConn()
	done := make(chan string, 1)
	go func() { done <- f.view.Serve(context.Background(), conn, true, TransportWebSocket) }()
	var hello signalMsg
	json.Unmarshal(conn.next(t, signalOf(t, sigHello)).p, &hello)
	if !hello.Hello.Clipboard {
		t.Fatal("hello.clipboard false with control and a client clipboard")
	}

	// Technician → user: audited, then sent.
	conn.in <- msg{true, clipControl("héllo ✓ clip")}
	if c := f.ag.control(t, wire.ScreenClipboard); c.Text != "héllo ✓ clip" {
		t.Errorf("client got %q", c.Text)
	}
	want := ClipboardTransfer{SessionID: "s_1", TicketID: 7, Actor: "tina", ToUser: true, Chars: 12, Bytes: 15, SHA256: hexSHA("héllo ✓ clip")}
	if got := au.list(); len(got) != 1 || got[0] != want {
		t.Errorf("audit %+v, want %+v", got, want)
	}

	// User → technician.
	if err := wire.ScreenEncodeClipboard(f.ag.conn, &wire.ScreenClipboardText{Text: "from the user"}); err != nil {
		t.Fatal(err)
	}
	var got signalMsg
	json.Unmarshal(conn.next(t, signalOf(t, sigClipboard)).p, &got)
	if got.Text != "from the user" {
		t.Errorf("viewer got %+v", got)
	}
	if l := au.list(); len(l) != 2 || l[1].ToUser || l[1].SHA256 != hexSHA("from the user") || l[1].Actor != "tina" {
		t.Errorf("audit of the user's text: %+v", l)
	}
	// Over the limit: the size and a sentence, no audit (nothing moved).
	wire.ScreenEncodeClipboard(f.ag.conn, &wire.ScreenClipboardText{Size: 100000})
	got = signalMsg{}
	json.Unmarshal(conn.next(t, signalOf(t, sigClipboard)).p, &got)
	if got.Text != "" || got.Size != 100000 || !strings.Contains(got.Reason, "98 KiB") {
		t.Errorf("over-limit notice %+v", got)
	}

	// Too much text from the viewer: a clear refusal, nothing sent or audited.
	conn.in <- msg{true, clipControl(strings.Repeat("a", wire.ScreenClipboardMax+1))}
	var refused signalMsg
	json.Unmarshal(conn.next(t, signalOf(t, sigError)).p, &refused)
	if !strings.Contains(refused.Reason, "64 KiB") {
		t.Errorf("refusal %q, want the limit", refused.Reason)
	}

	// The audit fails: nothing is delivered either way.
	au.mu.Lock()
	au.fail = true
	au.mu.Unlock()
	conn.in <- msg{true, clipControl("not audited")}
	refused = signalMsg{}
	json.Unmarshal(conn.next(t, signalOf(t, sigError)).p, &refused)
	if !strings.Contains(refused.Reason, "audited") {
		t.Errorf("refusal %q, want the audit failure", refused.Reason)
	}
	wire.ScreenEncodeClipboard(f.ag.conn, &wire.ScreenClipboardText{Text: "not audited either"})
	refused = signalMsg{}
	json.Unmarshal(conn.next(t, signalOf(t, sigError)).p, &refused)
	if !strings.Contains(refused.Reason, "audited") {
		t.Errorf("refusal %q, want the audit failure", refused.Reason)
	}
	// A quality change reaches the client after the refused clipboard:
	// had the refused one been sent, it would come first.
	conn.in <- msg{true, []byte(`{"type":"control","control":{"type":"quality","quality":50}}`)}
	for c := range f.ag.controls {
		if c.Type == wire.ScreenClipboard {
			t.Fatalf("clipboard %q sent without its audit entry", c.Text)
		}
		if c.Type == wire.ScreenQuality {
			break
		}
	}
	select {
	case c := <-f.ag.controls:
		if c.Type == wire.ScreenClipboard {
			t.Errorf("clipboard %q sent without its audit entry", c.Text)
		}
	default:
	}
	close(conn.in)
	<-done
}

func TestViewClipboardNeedsControl(t *testing.T) {
	au := &audits{}
	f := clipFixture(t, au, "screen") // no scope control
	conn := newFakeConn()
	done := make(chan string, 1)
	go func() { done <- f.view.Serve(context.Background(), conn, true, TransportWebSocket) }()
	var hello signalMsg
	json.Unmarshal(conn.next(t, signalOf(t, sigHello)).p, &hello)
	if hello.Hello.Clipboard {
		t.Error("hello offers the clipboard without scope control")
	}
	conn.in <- msg{true, clipControl("forged")}
	var refused signalMsg
	json.Unmarshal(conn.next(t, signalOf(t, sigError)).p, &refused)
	if !strings.Contains(refused.Reason, "clipboard refused") {
		t.Errorf("refusal %q", refused.Reason)
	}
	conn.in <- msg{true, []byte(`{"type":"control","control":{"type":"clipboard_get"}}`)}
	conn.next(t, signalOf(t, sigError))
	// The user's text is not forwarded to a viewer without control.
	wire.ScreenEncodeClipboard(f.ag.conn, &wire.ScreenClipboardText{Text: "secret"})
	f.ag.frame(t, 0, true)
	conn.next(t, isBinary) // the frame after the clipboard record arrived; the record did not
	close(conn.in)
	<-done
	select {
	case c := <-f.ag.controls:
		if c.Type == wire.ScreenClipboard || c.Type == wire.ScreenClipboardGet {
			t.Errorf("client got %s without scope control", c.Type)
		}
	case <-time.After(10 * time.Millisecond):
	}
	for len(conn.out) > 0 {
		if m := <-conn.out; signalOf(t, sigClipboard)(m) {
			t.Errorf("viewer without control got the user's clipboard: %s", m.p)
		}
	}
	if l := au.list(); len(l) != 0 {
		t.Errorf("audited %+v without a transfer", l)
	}
}
