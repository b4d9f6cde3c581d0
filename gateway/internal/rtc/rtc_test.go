package rtc

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"go.uber.org/goleak"
)

func TestChunkReassemble(t *testing.T) {
	for _, size := range []int{0, 1, ChunkPayload - 1, ChunkPayload, ChunkPayload + 1, 5*ChunkPayload + 17, 8 << 20} {
		rec := make([]byte, size)
		for i := range rec {
			rec[i] = byte(i * 7)
		}
		chunks, err := Chunk(42, rec)
		if err != nil {
			t.Fatalf("Chunk(%d bytes): %v", size, err)
		}
		if want := max(1, (size+ChunkPayload-1)/ChunkPayload); len(chunks) != want {
			t.Errorf("Chunk(%d bytes) = %d chunks, want %d", size, len(chunks), want)
		}
		for _, c := range chunks {
			if len(c) > 64<<10 {
				t.Errorf("chunk of %d bytes exceeds 64 KiB", len(c))
			}
		}
		// Unordered delivery: reverse the chunks.
		var r Reassembler
		var got []byte
		for i := len(chunks) - 1; i >= 0; i-- {
			out, err := r.Add(chunks[i])
			if err != nil {
				t.Fatal(err)
			}
			if out != nil {
				if i != 0 {
					t.Fatalf("message complete before its last chunk")
				}
				got = out
			}
		}
		if !bytes.Equal(got, rec) {
			t.Errorf("size %d: reassembled %d bytes, differ from the record", size, len(got))
		}
	}
}

func TestReassemblerLoss(t *testing.T) {
	big := make([]byte, 3*ChunkPayload)
	m1, _ := Chunk(1, big)
	m2, _ := Chunk(2, []byte("second"))
	m0, _ := Chunk(0, []byte("stale"))
	var r Reassembler
	r.Add(m1[0]) // message 1 loses its other chunks
	out, err := r.Add(m2[0])
	if err != nil || string(out) != "second" {
		t.Fatalf("Add(m2) = %q, %v; want \"second\"", out, err)
	}
	if len(r.parts) != 0 {
		t.Errorf("%d partial messages kept after a newer one completed, want 0", len(r.parts))
	}
	if out, _ := r.Add(m1[1]); out != nil {
		t.Error("an older message completed after a newer one")
	}
	if out, _ := r.Add(m0[0]); out != nil {
		t.Error("a stale message was delivered")
	}
	for name, c := range map[string][]byte{
		"short":      {1, 2, 3},
		"count 0":    {0, 0, 0, 9, 0, 0, 0, 0},
		"index>=cnt": {0, 0, 0, 9, 0, 2, 0, 2},
	} {
		if _, err := r.Add(c); err == nil {
			t.Errorf("Add(%s) = nil error", name)
		}
	}
}

func FuzzReassembler(f *testing.F) {
	c, _ := Chunk(3, bytes.Repeat([]byte{1}, ChunkPayload+5))
	f.Add(c[0], c[1])
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 1, 9}, []byte{})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		r := Reassembler{MaxBytes: 1 << 20}
		r.Add(a)
		r.Add(b)
		r.Add(a)
	})
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"loopback", Config{Loopback: true}, true},
		{"production", Config{STUN: []string{"stun:stun.example.org:3478"}, TURN: []TURNServer{{URL: "turn:turn.example.org:3478", Username: "u", Credential: "p"}},
			NAT1To1IPs: []string{"203.0.113.7"}, UDPPortMin: 40000, UDPPortMax: 40100}, true},
		{"bad stun", Config{STUN: []string{"http://x"}}, false},
		{"bad turn", Config{TURN: []TURNServer{{URL: "stun:x"}}}, false},
		{"bad ip", Config{NAT1To1IPs: []string{"gw.example.org"}}, false},
		{"half range", Config{UDPPortMin: 4000}, false},
		{"loopback with stun", Config{Loopback: true, STUN: []string{"stun:x:1"}}, false},
	} {
		_, err := New(tc.cfg)
		if (err == nil) != tc.ok {
			t.Errorf("%s: New error = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	e, _ := New(Config{TURN: []TURNServer{{URL: "turn:t:3478", Username: "u", Credential: "p"}}})
	if s := e.ICEServers(); len(s) != 1 || s[0].Credential != "p" {
		t.Errorf("ICEServers = %+v", s)
	}
}

func TestParsePortRange(t *testing.T) {
	for in, want := range map[string][2]uint16{"": {0, 0}, "40000-40100": {40000, 40100}, "5-5": {5, 5}} {
		lo, hi, err := ParsePortRange(in)
		if err != nil || lo != want[0] || hi != want[1] {
			t.Errorf("ParsePortRange(%q) = %d, %d, %v; want %v", in, lo, hi, err, want)
		}
	}
	for _, in := range []string{"1", "9-1", "0-10", "1-70000", "a-b", "1-2x"} {
		if _, _, err := ParsePortRange(in); err == nil {
			t.Errorf("ParsePortRange(%q) = nil error", in)
		}
	}
}

// viewer is an in-process pion answerer on loopback, like a browser.
type viewer struct {
	pc   *webrtc.PeerConnection
	msgs chan []byte // from the lossy channel
	keys chan []byte // from the reliable one
}

func newViewer(t *testing.T, offer string) (*viewer, string) {
	t.Helper()
	se, err := SettingEngine(Config{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	v := &viewer{pc: pc, msgs: make(chan []byte, 1024), keys: make(chan []byte, 1024)}
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		out := v.msgs
		switch dc.Label() {
		case Label:
			if dc.Ordered() || dc.MaxPacketLifeTime() == nil || *dc.MaxPacketLifeTime() != 300 {
				t.Errorf("data channel %q ordered=%v maxPacketLifeTime=%v; want unordered, 300 ms", dc.Label(), dc.Ordered(), dc.MaxPacketLifeTime())
			}
		case KeyLabel:
			if !dc.Ordered() || dc.MaxPacketLifeTime() != nil || dc.MaxRetransmits() != nil {
				t.Errorf("data channel %q ordered=%v maxPacketLifeTime=%v maxRetransmits=%v; want ordered and reliable", dc.Label(), dc.Ordered(), dc.MaxPacketLifeTime(), dc.MaxRetransmits())
			}
			out = v.keys
		default:
			t.Errorf("unexpected data channel %q", dc.Label())
		}
		var r Reassembler
		dc.OnMessage(func(m webrtc.DataChannelMessage) {
			if rec, err := r.Add(m.Data); err != nil {
				t.Errorf("reassemble: %v", err)
			} else if rec != nil {
				out <- rec
			}
		})
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	<-g
	return v, pc.LocalDescription().SDP
}

// connect makes a gateway peer and a viewer on loopback and waits until
// both data channels are open; closeAll closes both and waits for pion.
func connect(t *testing.T, ctx context.Context) (*Peer, *viewer, func()) {
	t.Helper()
	e, err := New(Config{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	p, offer, err := e.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, answer := newViewer(t, offer)
	closeAll := func() {
		p.Close()
		v.pc.Close()
		<-p.Dead()
	}
	if err := p.Accept(answer); err != nil {
		closeAll()
		t.Fatal(err)
	}
	select {
	case <-p.Opened():
	case <-ctx.Done():
		closeAll()
		t.Fatal("the data channels did not open in time")
	}
	return p, v, closeAll
}

// TestPeerLoopback runs a real offer/answer on loopback and sends records
// bigger than one SCTP message. The channel is unordered with a 300 ms packet
// lifetime, so on a loaded machine a chunk lost on loopback (a full UDP buffer)
// is abandoned and its whole record dropped: that is by design, the viewer then
// asks for a keyframe. What the product guarantees, and what this checks: a
// record arrives whole and identical or not at all, and a record sent again
// (the keyframe the viewer asks for) gets through.
func TestPeerLoopback(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, v, closeAll := connect(t, ctx)
	defer closeAll() // before the leak check, also when the test fails
	big := make([]byte, 300<<10)
	for i := range big {
		big[i] = byte(rand.IntN(256))
	}
	recs := [][]byte{[]byte("small"), big}
	for i, rec := range recs {
		sends := 0
		for done := false; !done; {
			if err := p.Send(rec, false); err != nil {
				t.Fatalf("Send: %v", err)
			}
			sends++
			select {
			case got := <-v.msgs:
				// A late copy of an earlier record may still arrive, whole.
				switch {
				case bytes.Equal(got, rec):
					done = true
				case i > 0 && bytes.Equal(got, recs[i-1]):
				default:
					t.Fatalf("received %d bytes that match no record sent (sending %d bytes)", len(got), len(rec))
				}
			case <-time.After(2 * time.Second): // lost: send it again, as for a keyframe request
			case <-ctx.Done():
				t.Fatalf("record of %d bytes not received after %d sends in 30 s", len(rec), sends)
			}
		}
		if sends > 1 {
			t.Logf("record of %d bytes arrived after %d sends", len(rec), sends)
		}
	}
}

// TestPeerReliableKeyframes: the keyframe channel delivers every record
// whole, in order, at the first send, however big; chunks dropped by
// DropFirst lose their record (which the viewer then asks for again) and
// nothing after it.
func TestPeerReliableKeyframes(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, v, closeAll := connect(t, ctx)
	defer closeAll() // before the leak check, also when the test fails
	recs := make([][]byte, 6)
	for i := range recs {
		recs[i] = make([]byte, (i+1)*200<<10) // 200 KB .. 1.2 MB: 4 to 21 chunks
		for j := range recs[i] {
			recs[i][j] = byte(rand.IntN(256))
		}
	}
	for _, rec := range recs {
		if err := p.Send(rec, true); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	for i, want := range recs {
		select {
		case got := <-v.keys:
			if !bytes.Equal(got, want) {
				t.Fatalf("keyframe %d: got %d bytes, want the %d sent", i, len(got), len(want))
			}
		case <-ctx.Done():
			t.Fatalf("keyframe %d of %d bytes never arrived", i, len(want))
		}
	}
	// Two chunks dropped: the first record (4 chunks) is lost, the second arrives.
	p.DropFirst(2)
	for _, rec := range recs[:2] {
		if err := p.Send(rec, true); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case got := <-v.keys:
		if !bytes.Equal(got, recs[1]) {
			t.Fatalf("after the drop: got %d bytes, want the second record (%d)", len(got), len(recs[1]))
		}
	case <-ctx.Done():
		t.Fatal("the record after the dropped one never arrived")
	}
}
