package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var screenJPEG = []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9}

func screenTestFrame() *ScreenFrame {
	return &ScreenFrame{
		Seq: 7, TimeMS: 123456789, Width: 640, Height: 480, Key: true,
		Tiles: []ScreenTile{
			{X: 0, Y: 0, W: 64, H: 64, Quality: 70, JPEG: screenJPEG},
			{X: 576, Y: 448, W: 64, H: 32, Quality: 30, JPEG: screenJPEG[:2]},
		},
	}
}

func TestScreenFrameRoundTrip(t *testing.T) {
	for _, f := range []*ScreenFrame{
		screenTestFrame(),
		{Seq: 1, Width: 1, Height: 1, Tiles: []ScreenTile{}},
		{Seq: 1<<32 - 1, TimeMS: 1<<64 - 1, Width: 16384, Height: 16384, Tiles: []ScreenTile{{X: 16383, Y: 16383, W: 1, H: 1, Quality: 100, JPEG: screenJPEG}}},
	} {
		var buf bytes.Buffer
		if err := ScreenEncodeFrame(&buf, f); err != nil {
			t.Fatalf("encode: %v", err)
		}
		if got, want := buf.Len(), f.Size(); got != want {
			t.Errorf("encoded %d bytes, Size() = %d", got, want)
		}
		got, err := ScreenDecodeFrame(&buf, 0)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if diff := cmp.Diff(f, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

// TestScreenFrameLayout pins the byte layout documented in screen.go, which
// the web viewer and the recording format depend on.
func TestScreenFrameLayout(t *testing.T) {
	f := &ScreenFrame{Seq: 0x01020304, TimeMS: 0x05060708090a0b0c, Width: 0x0280, Height: 0x01e0, Key: true,
		Tiles: []ScreenTile{{X: 0x40, Y: 0x80, W: 0x40, H: 0x20, Quality: 75, JPEG: []byte{0xFF, 0xD8, 0xAA}}}}
	got, err := ScreenAppendFrame(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0, 0, 0, 36, // length after this field: 40 - 4
		1, 1, // type frame, flags keyframe
		1, 2, 3, 4, // seq
		5, 6, 7, 8, 9, 10, 11, 12, // time_ms
		0x02, 0x80, 0x01, 0xe0, // width, height
		0, 1, // tile count
		0, 0x40, 0, 0x80, 0, 0x40, 0, 0x20, // x y w h
		75,         // quality
		0, 0, 0, 3, // jpeg length
		0xFF, 0xD8, 0xAA,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layout (-want +got):\n%s", diff)
	}
}

func TestScreenEncodeFrameRefuses(t *testing.T) {
	tile := func(x, y, w, h uint16) ScreenTile {
		return ScreenTile{X: x, Y: y, W: w, H: h, Quality: 50, JPEG: screenJPEG}
	}
	tests := []struct {
		name string
		f    ScreenFrame
		want string
	}{
		{"zero width", ScreenFrame{Width: 0, Height: 10}, "out of range"},
		{"too wide", ScreenFrame{Width: 16385, Height: 10}, "out of range"},
		{"tile outside", ScreenFrame{Width: 100, Height: 100, Tiles: []ScreenTile{tile(64, 0, 64, 64)}}, "outside"},
		{"empty tile", ScreenFrame{Width: 100, Height: 100, Tiles: []ScreenTile{tile(0, 0, 0, 64)}}, "outside"},
		{"quality 0", ScreenFrame{Width: 100, Height: 100, Tiles: []ScreenTile{{W: 1, H: 1, JPEG: screenJPEG}}}, "quality"},
		{"not jpeg", ScreenFrame{Width: 100, Height: 100, Tiles: []ScreenTile{{W: 1, H: 1, Quality: 9, JPEG: []byte("png")}}}, "not a JPEG"},
		{"too many tiles", ScreenFrame{Width: 100, Height: 100, Tiles: make([]ScreenTile, ScreenMaxTiles+1)}, "tiles"},
		{"too big", ScreenFrame{Width: 100, Height: 100, Tiles: []ScreenTile{{W: 1, H: 1, Quality: 9, JPEG: append([]byte{0xFF, 0xD8}, make([]byte, ScreenMaxFrame)...)}}}, "max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ScreenEncodeFrame(io.Discard, &tt.f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestScreenDecodeFrameRefuses(t *testing.T) {
	good, err := ScreenAppendFrame(nil, screenTestFrame())
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		rec  []byte
		max  int
		want string
	}{
		{"empty stream", nil, 0, "EOF"},
		{"short length", good[:2], 0, "read length"},
		{"truncated body", good[:len(good)-1], 0, "read body"},
		{"over max", good, len(good) - 1, "out of range"},
		{"zero length", []byte{0, 0, 0, 0}, 0, "out of range"},
		{"huge length", []byte{0xFF, 0xFF, 0xFF, 0xFF}, 0, "out of range"},
		{"not a frame", mutate(func(b []byte) []byte { b[4] = ScreenMsgHello; return b }), 0, "not a frame"},
		{"unknown flag", mutate(func(b []byte) []byte { b[5] = 2; return b }), 0, "flags"},
		{"tile count too high", mutate(func(b []byte) []byte { b[23] = 200; return b }), 0, "do not fit"},
		{"jpeg length too high", mutate(func(b []byte) []byte { b[24+12] = 200; return b }), 0, "JPEG of"},
		{"trailing bytes", mutate(func(b []byte) []byte {
			b = append(b, 0)
			binary.BigEndian.PutUint32(b, uint32(len(b)-4))
			return b
		}), 0, "trailing"},
		{"tile outside", mutate(func(b []byte) []byte { b[24] = 0xFF; return b }), 0, "outside"},
		{"width zero", mutate(func(b []byte) []byte { b[18], b[19] = 0, 0; return b }), 0, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ScreenDecodeFrame(bytes.NewReader(tt.rec), tt.max)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestScreenStreamOfRecords(t *testing.T) {
	var buf bytes.Buffer
	hello := &ScreenHello{Width: 640, Height: 480, Display: ":0", CanControl: true}
	if err := ScreenEncodeHello(&buf, hello); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		f := screenTestFrame()
		f.Seq = uint32(i)
		if err := ScreenEncodeFrame(&buf, f); err != nil {
			t.Fatal(err)
		}
	}
	gotHello, err := ScreenDecodeHello(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hello, gotHello); diff != "" {
		t.Errorf("hello (-want +got):\n%s", diff)
	}
	for i := 0; i < 3; i++ {
		f, err := ScreenDecodeFrame(&buf, 0)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if f.Seq != uint32(i) {
			t.Errorf("frame %d: seq %d", i, f.Seq)
		}
	}
	if _, err := ScreenDecodeFrame(&buf, 0); !errors.Is(err, io.EOF) {
		t.Errorf("after the last frame: got %v, want io.EOF", err)
	}
}

func TestScreenControlRoundTrip(t *testing.T) {
	for _, c := range []*ScreenControl{
		{Type: ScreenKeyframe},
		{Type: ScreenPause},
		{Type: ScreenResume},
		{Type: ScreenQuality, Quality: 30},
		{Type: ScreenInputMsg, Input: &ScreenInput{Kind: ScreenMouseMove, X: 10, Y: 20}},
		{Type: ScreenInputMsg, Input: &ScreenInput{Kind: ScreenMouseDown, X: 1, Y: 2, Button: 2}},
		{Type: ScreenInputMsg, Input: &ScreenInput{Kind: ScreenWheel, X: 1, Y: 2, DeltaY: -300}},
		{Type: ScreenInputMsg, Input: &ScreenInput{Kind: ScreenKeyDown, Key: "ArrowLeft"}},
		{Type: ScreenInputMsg, Input: &ScreenInput{Kind: ScreenKeyUp, Key: "é"}},
	} {
		var buf bytes.Buffer
		if err := ScreenEncodeControl(&buf, c); err != nil {
			t.Fatalf("encode %+v: %v", c, err)
		}
		got, err := ScreenDecodeControl(&buf)
		if err != nil {
			t.Fatalf("decode %+v: %v", c, err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

func screenJSONRecord(typ byte, body string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(body)))
	return append(append(b, typ), body...)
}

func TestScreenParseControlRefuses(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
	}{
		{"unknown type", `{"type":"format_disk"}`, "unknown control type"},
		{"unknown field", `{"type":"pause","x":1}`, "unknown field"},
		{"trailing", `{"type":"pause"} {}`, "trailing"},
		{"quality low", `{"type":"quality","quality":29}`, "out of range"},
		{"quality high", `{"type":"quality","quality":91}`, "out of range"},
		{"input missing", `{"type":"input"}`, "without input"},
		{"input on pause", `{"type":"pause","input":{"kind":"mousemove"}}`, "with input"},
		{"negative x", `{"type":"input","input":{"kind":"mousemove","x":-1}}`, "position"},
		{"huge y", `{"type":"input","input":{"kind":"mousemove","y":16384}}`, "position"},
		{"button", `{"type":"input","input":{"kind":"mousedown","button":9}}`, "button"},
		{"wheel zero", `{"type":"input","input":{"kind":"wheel"}}`, "wheel"},
		{"empty key", `{"type":"input","input":{"kind":"keydown"}}`, "key"},
		{"control char key", `{"type":"input","input":{"kind":"keydown","key":"\u0007"}}`, "key"},
		{"long key", `{"type":"input","input":{"kind":"keydown","key":"` + strings.Repeat("a", 33) + `"}}`, "key"},
		{"unknown kind", `{"type":"input","input":{"kind":"teleport"}}`, "unknown input kind"},
		{"monitor missing", `{"type":"monitor"}`, "without monitor"},
		{"monitor low", `{"type":"monitor","monitor":-2}`, "out of range"},
		{"monitor high", `{"type":"monitor","monitor":16}`, "out of range"},
		{"monitor on pause", `{"type":"pause","monitor":1}`, "with monitor"},
		{"monitor on input", `{"type":"input","monitor":1,"input":{"kind":"mousemove"}}`, "with monitor"},
		{"not json", `nope`, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ScreenParseControl(screenJSONRecord(ScreenMsgControl, tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := ScreenParseControl(screenJSONRecord(ScreenMsgHello, `{"type":"pause"}`)); err == nil {
		t.Error("a hello record parsed as a control")
	}
	big := screenJSONRecord(ScreenMsgControl, `{"type":"pause"}`+strings.Repeat(" ", ScreenMaxJSON))
	if _, err := ScreenDecodeControl(bytes.NewReader(big)); err == nil {
		t.Error("an oversized control was accepted")
	}
}

func TestScreenHelloRefuses(t *testing.T) {
	for _, body := range []string{
		`{"width":0,"height":480}`,
		`{"width":640,"height":16385}`,
		`{"width":640,"height":480,"display":"\u001b[2J"}`,
		`{"width":640,"height":480,"extra":1}`,
		// monitors: a bad name, outside the screen, an index out of range,
		// a size that is not the chosen monitor's, an index without a list
		`{"width":640,"height":480,"monitor":-1,"monitors":[{"name":"\u001b]0;x","x":0,"y":0,"width":640,"height":480}]}`,
		`{"width":640,"height":480,"monitor":-1,"monitors":[{"name":"A","x":320,"y":0,"width":640,"height":480}]}`,
		`{"width":640,"height":480,"monitor":-1,"monitors":[{"name":"A","x":-1,"y":0,"width":64,"height":48}]}`,
		`{"width":640,"height":480,"monitor":1,"monitors":[{"name":"A","x":0,"y":0,"width":640,"height":480}]}`,
		`{"width":640,"height":480,"monitor":0,"monitors":[{"name":"A","x":0,"y":0,"width":320,"height":480}]}`,
		`{"width":640,"height":480,"monitor":2}`,
		`{"width":640,"height":480,"monitor":-1,"monitors":[` + strings.Repeat(`{"name":"A","x":0,"y":0,"width":1,"height":1},`, 16) + `{"name":"A","x":0,"y":0,"width":1,"height":1}]}`,
	} {
		if _, err := ScreenDecodeHello(bytes.NewReader(screenJSONRecord(ScreenMsgHello, body))); err == nil {
			t.Errorf("hello %s accepted", body)
		}
	}
	if err := ScreenEncodeHello(io.Discard, &ScreenHello{Width: 0, Height: 1}); err == nil {
		t.Error("encoding an empty screen succeeded")
	}
}

func TestScreenHelloMonitors(t *testing.T) {
	mons := []ScreenMonitor{{Name: "DP-1", X: 0, Y: 0, Width: 1920, Height: 1080, Primary: true}, {Name: "HDMI-1", X: 1920, Y: 0, Width: 1280, Height: 1024}}
	for _, h := range []*ScreenHello{
		{Width: 3200, Height: 1080, Display: ":0", Monitors: mons, Monitor: ScreenAllMonitors},
		{Width: 1280, Height: 1024, Display: ":0", Monitors: mons, Monitor: 1},
		{Width: 1920, Height: 1080, Display: ":0", Monitors: mons, Monitor: 0},
		{Width: 640, Height: 480, Monitor: ScreenAllMonitors},
		{Width: 640, Height: 480}, // an older client: no list, monitor absent
	} {
		var buf bytes.Buffer
		if err := ScreenEncodeHello(&buf, h); err != nil {
			t.Fatalf("encode %+v: %v", h, err)
		}
		got, err := ScreenDecodeHello(&buf)
		if err != nil {
			t.Fatalf("decode %+v: %v", h, err)
		}
		if diff := cmp.Diff(h, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
	if _, err := ScreenDecodeHello(bytes.NewReader(screenJSONRecord(ScreenMsgHello, `{"width":640,"height":480,"display":":0","can_control":false}`))); err != nil {
		t.Errorf("a hello without monitor fields (older client): %v", err)
	}
}

func FuzzScreenDecodeFrame(f *testing.F) {
	good, _ := ScreenAppendFrame(nil, screenTestFrame())
	f.Add(good)
	empty, _ := ScreenAppendFrame(nil, &ScreenFrame{Width: 1, Height: 1})
	f.Add(empty)
	f.Add([]byte{0, 0, 0, 1, 1})
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := ScreenDecodeFrame(bytes.NewReader(b), 1<<20)
		if err != nil {
			return
		}
		again, err := ScreenAppendFrame(nil, fr)
		if err != nil {
			t.Fatalf("a decoded frame does not encode: %v", err)
		}
		if !bytes.Equal(again, b[:len(again)]) {
			t.Fatalf("re-encoding differs from the input")
		}
	})
}

func FuzzScreenDecodeControl(f *testing.F) {
	for _, body := range []string{
		`{"type":"keyframe"}`, `{"type":"quality","quality":50}`,
		`{"type":"input","input":{"kind":"keydown","key":"Enter"}}`,
		`{"type":"input","input":{"kind":"wheel","x":3,"y":4,"delta_y":120}}`,
		`{"type":"clipboard","text":"h\u00e9llo <&>"}`, `{"type":"clipboard_get"}`,
		`{"type":"monitor","monitor":1}`, `{"type":"monitor","monitor":-1}`, `{"type":"monitor","monitor":0}`,
	} {
		f.Add(screenJSONRecord(ScreenMsgControl, body))
	}
	f.Add([]byte{0, 0, 0, 1, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ScreenDecodeControl(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := ScreenEncodeControl(&buf, c); err != nil {
			t.Fatalf("a decoded control does not encode: %v", err)
		}
		c2, err := ScreenDecodeControl(&buf)
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if diff := cmp.Diff(c, c2); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzScreenDecodeHello(f *testing.F) {
	f.Add(screenJSONRecord(ScreenMsgHello, `{"width":640,"height":480,"display":":0","can_control":true}`))
	f.Add(screenJSONRecord(ScreenMsgHello, `{"width":3840,"height":1080,"display":":0","can_control":true,"monitor":-1,`+
		`"monitors":[{"name":"A","x":0,"y":0,"width":1920,"height":1080,"primary":true},{"name":"B","x":1920,"y":0,"width":1920,"height":1080}]}`))
	f.Add(screenJSONRecord(ScreenMsgHello, `{"width":1920,"height":1080,"display":":0","can_control":false,"monitor":1,`+
		`"monitors":[{"name":"A","x":0,"y":0,"width":1920,"height":1080},{"name":"B","x":1920,"y":0,"width":1920,"height":1080}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ScreenDecodeHello(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := ScreenEncodeHello(&buf, h); err != nil {
			t.Fatalf("a decoded hello does not encode: %v", err)
		}
		h2, err := ScreenDecodeHello(&buf)
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if diff := cmp.Diff(h, h2, cmpopts.EquateEmpty()); diff != "" { // "monitors":[] comes back absent
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
