package screen

import (
	"strings"
	"testing"
)

func TestParseScreenSignal(t *testing.T) {
	for _, tc := range []struct {
		in      string
		typ     string
		wantErr string
	}{
		{`{"type":"answer","sdp":"v=0"}`, sigAnswer, ""},
		{`{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host"}}`, sigCandidate, ""},
		{`{"type":"fallback","reason":"no WebRTC"}`, sigFallback, ""},
		{`{"type":"stats","stats":{"frames":3,"bytes":10,"dropped":0,"fps":12.5}}`, sigStats, ""},
		{`{"type":"control","control":{"type":"keyframe"}}`, sigControl, ""},
		{`{"type":"answer"}`, "", "answer without sdp"},
		{`{"type":"candidate"}`, "", "candidate missing"},
		{`{"type":"control"}`, "", "control without control"},
		{`{"type":"offer","sdp":"v=0"}`, "", "unknown message type"},
		{`{"type":"hello"}`, "", "unknown message type"},
		{`{"type":"answer","sdp":"x","evil":1}`, "", "unknown field"},
		{`{"type":"fallback"} {}`, "", "after the JSON"},
		{`not json`, "", "bad message"},
		{`{"type":"answer","sdp":"` + strings.Repeat("a", SignalMax) + `"}`, "", "max"},
	} {
		s, err := parseSignal([]byte(tc.in))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("parseSignal(%.60s): %v", tc.in, err)
		case tc.wantErr == "" && s.Type != tc.typ:
			t.Errorf("parseSignal(%.60s).Type = %q, want %q", tc.in, s.Type, tc.typ)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("parseSignal(%.60s) error = %v, want one containing %q", tc.in, err, tc.wantErr)
		}
	}
}

func TestScreenControlOf(t *testing.T) {
	for in, ok := range map[string]bool{
		`{"type":"keyframe"}`:                                                  true,
		`{"type":"quality","quality":50}`:                                      true,
		`{"type":"quality","quality":5}`:                                       false,
		`{"type":"input","input":{"kind":"keydown","key":"Enter"}}`:            true,
		`{"type":"input","input":{"kind":"mousedown","x":1,"y":2,"button":9}}`: false,
		`{"type":"input"}`:                                                     false,
		`{"type":"reboot"}`:                                                    false,
		`{"type":"keyframe","extra":true}`:                                     false,
	} {
		_, err := controlOf([]byte(in))
		if (err == nil) != ok {
			t.Errorf("controlOf(%s) error = %v, want ok=%v", in, err, ok)
		}
	}
}

// TestViewerQueue: a full queue drops, asks for a keyframe once, and skips
// deltas until a keyframe fits.
func TestViewerQueue(t *testing.T) {
	v := newViewer()
	delta, key := []byte("d"), []byte("k")
	if v.offer(delta, false) || len(v.q) != 0 {
		t.Fatal("a new viewer took a delta before any keyframe")
	}
	if v.offer(key, true) || len(v.q) != 1 {
		t.Fatal("a new viewer did not take the keyframe")
	}
	for len(v.q) < cap(v.q) {
		if v.offer(delta, false) {
			t.Fatal("asked for a keyframe before the queue was full")
		}
	}
	if !v.offer(delta, false) {
		t.Error("a drop did not ask for a keyframe")
	}
	if v.dropped.Load() != 1 {
		t.Errorf("dropped = %d, want 1", v.dropped.Load())
	}
	<-v.q
	if v.offer(delta, false) || len(v.q) != cap(v.q)-1 {
		t.Error("a delta was queued after a drop, before a keyframe")
	}
	if v.offer(key, true) || v.waitKey.Load() {
		t.Error("the keyframe after a drop was not taken")
	}
	v.paused.Store(true)
	<-v.q
	if v.offer(key, true) || len(v.q) != cap(v.q)-1 {
		t.Error("a paused viewer took a frame")
	}
}

func FuzzParseScreenSignal(f *testing.F) {
	f.Add([]byte(`{"type":"answer","sdp":"v=0"}`))
	f.Add([]byte(`{"type":"control","control":{"type":"input","input":{"kind":"wheel","x":1,"y":1,"delta_y":120}}}`))
	f.Add([]byte(`{"type":"candidate","candidate":{"candidate":"x","sdpMid":"0"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSignal(b)
		if err != nil {
			return
		}
		if s.Type == sigControl {
			controlOf(s.Control)
		}
	})
}
