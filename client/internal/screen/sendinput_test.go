package screen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/internal/wire"
)

// fakeLayout is a keyboard layout for the tests: VkKeyScanExW results and
// VK → scan code, as user32 gives them for that layout.
type fakeLayout struct {
	keys  map[rune]int16
	scans map[uint16]uint16
}

func (l fakeLayout) VkKeyScan(c uint16) int16 {
	if s, ok := l.keys[rune(c)]; ok {
		return s
	}
	return -1
}

func (l fakeLayout) ScanCode(vk uint16) uint16 { return l.scans[vk] }

// Scan codes (set 1) shared by both layouts; Y and Z swap places on QWERTZ.
var commonScans = map[uint16]uint16{
	0x41: 0x1E, 0x43: 0x2E, 0x45: 0x12, 0x51: 0x10, 0x31: 0x02, 0x32: 0x03, 0x37: 0x08,
	0x0D: 0x1C, 0x08: 0x0E, 0x09: 0x0F, 0x1B: 0x01, 0x20: 0x39, 0x2E: 0x53, 0x2D: 0x52, 0x24: 0x47,
	0x23: 0x4F, 0x21: 0x49, 0x22: 0x51, 0x25: 0x4B, 0x26: 0x48, 0x27: 0x4D, 0x28: 0x50,
	0x10: 0x2A, 0x11: 0x1D, 0x12: 0x38, 0xA5: 0x38, 0x5B: 0x5B, 0x14: 0x3A, 0x5D: 0x5D,
	0x2C: 0x37, 0x13: 0x45, 0x91: 0x46, 0x90: 0x45, 0x70: 0x3B, 0x7B: 0x58, 0xBA: 0x27, 0xBC: 0x33,
}

func layoutWith(scans map[uint16]uint16, keys map[rune]int16) fakeLayout {
	all := map[uint16]uint16{}
	for k, v := range commonScans {
		all[k] = v
	}
	for k, v := range scans {
		all[k] = v
	}
	for r := 'a'; r <= 'z'; r++ {
		if _, ok := keys[r]; !ok {
			keys[r] = int16(r - 'a' + 'A')
			keys[r-'a'+'A'] = layoutShift<<8 | int16(r-'a'+'A')
		}
	}
	for r := '0'; r <= '9'; r++ {
		keys[r] = int16(r)
	}
	keys[' '] = 0x20
	return fakeLayout{keys: keys, scans: all}
}

// usLayout is "US" (00000409).
var usLayout = layoutWith(map[uint16]uint16{0x59: 0x15, 0x5A: 0x2C}, map[rune]int16{
	'!': 0x0131, '@': 0x0132, '#': 0x0133, ';': 0xBA, ':': 0x01BA, ',': 0xBC, '<': 0x01BC, '.': 0xBE,
	'/': 0xBF, '?': 0x01BF, '\'': 0xDE, '"': 0x01DE, '-': 0xBD, '_': 0x01BD, '=': 0xBB, '+': 0x01BB,
	'[': 0xDB, '{': 0x01DB, ']': 0xDD, '}': 0x01DD, '\\': 0xDC, '|': 0x01DC, '`': 0xC0, '~': 0x01C0,
})

// deLayout is "German" (00000407): QWERTZ, AltGr symbols, umlauts.
var deLayout = layoutWith(map[uint16]uint16{0x59: 0x2C, 0x5A: 0x15}, map[rune]int16{
	'!': 0x0131, '"': 0x0132, '/': 0x0137, '@': 0x0651, '€': 0x0645, '{': 0x0637, '\\': 0x06DB,
	';': 0x01BC, ',': 0xBC, ':': 0x01BE, '.': 0xBE, '-': 0xBD, '#': 0xBF, '+': 0xBB,
	'ä': 0xDE, 'ö': 0xC0, 'ü': 0xBA, 'ß': 0xDB,
})

// one monitor 1920×1080 at the origin: the whole desktop.
var single = image.Rect(0, 0, 1920, 1080)

func key(kind, name string) wire.ScreenInput { return wire.ScreenInput{Kind: kind, Key: name} }

func kbd(vk, scan uint16, flags uint32) winInput {
	return winInput{Type: inputKeyboard, Key: winKeyInput{VK: vk, Scan: scan, Flags: flags}}
}

func translateAll(t *testing.T, tr *inputTranslator, evs ...wire.ScreenInput) []winInput {
	t.Helper()
	var out []winInput
	for _, ev := range evs {
		got, err := tr.translate(ev)
		if err != nil {
			t.Fatalf("translate(%+v): %v", ev, err)
		}
		out = append(out, got...)
	}
	return out
}

func TestSendInputNamedKeys(t *testing.T) {
	// Written out from winuser.h, not derived from namedVKs.
	want := []struct {
		name     string
		vk, scan uint16
		extended bool
	}{
		{"Enter", 0x0D, 0x1C, false}, {"Backspace", 0x08, 0x0E, false}, {"Tab", 0x09, 0x0F, false},
		{"Escape", 0x1B, 0x01, false}, {"Delete", 0x2E, 0x53, true}, {"Insert", 0x2D, 0x52, true},
		{"Home", 0x24, 0x47, true}, {"End", 0x23, 0x4F, true}, {"PageUp", 0x21, 0x49, true},
		{"PageDown", 0x22, 0x51, true}, {"ArrowLeft", 0x25, 0x4B, true}, {"ArrowUp", 0x26, 0x48, true},
		{"ArrowRight", 0x27, 0x4D, true}, {"ArrowDown", 0x28, 0x50, true},
		{"Shift", 0x10, 0x2A, false}, {"Control", 0x11, 0x1D, false}, {"Alt", 0x12, 0x38, false},
		{"AltGraph", 0xA5, 0x38, true}, {"Meta", 0x5B, 0x5B, true}, {"CapsLock", 0x14, 0x3A, false},
		{"ContextMenu", 0x5D, 0x5D, true}, {"PrintScreen", 0x2C, 0x37, true}, {"Pause", 0x13, 0x45, false},
		{"ScrollLock", 0x91, 0x46, false}, {"NumLock", 0x90, 0x45, true},
		{"F1", 0x70, 0x3B, false}, {"F2", 0x71, 0, false}, {"F3", 0x72, 0, false}, {"F4", 0x73, 0, false},
		{"F5", 0x74, 0, false}, {"F6", 0x75, 0, false}, {"F7", 0x76, 0, false}, {"F8", 0x77, 0, false},
		{"F9", 0x78, 0, false}, {"F10", 0x79, 0, false}, {"F11", 0x7A, 0, false}, {"F12", 0x7B, 0x58, false},
	}
	if len(want) != len(namedVKs) {
		t.Errorf("namedVKs has %d keys, the table %d: test every key", len(namedVKs), len(want))
	}
	for name := range namedKeysyms {
		if _, ok := namedVKs[name]; !ok {
			t.Errorf("X11 supports key %q, Windows does not", name)
		}
	}
	for _, tt := range want {
		t.Run(tt.name, func(t *testing.T) {
			tr := newInputTranslator(usLayout, single, single)
			var ext uint32
			if tt.extended {
				ext = keyeventfExtendedKey
			}
			got := translateAll(t, tr, key(wire.ScreenKeyDown, tt.name), key(wire.ScreenKeyUp, tt.name))
			wantIn := []winInput{kbd(tt.vk, tt.scan, ext), kbd(tt.vk, tt.scan, ext|keyeventfKeyUp)}
			if diff := cmp.Diff(wantIn, got); diff != "" {
				t.Errorf("%s down, up (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestSendInputCharacters(t *testing.T) {
	uni := func(units ...uint16) []winInput {
		var out []winInput
		for _, u := range units {
			out = append(out, kbd(0, u, keyeventfUnicode))
		}
		return out
	}
	vk := func(vk, scan uint16) []winInput { return []winInput{kbd(vk, scan, 0)} }
	tests := []struct {
		name   string
		layout fakeLayout
		hold   []string // modifiers pressed first
		key    string
		want   []winInput // the key-down records of key
	}{
		{"US a", usLayout, nil, "a", vk(0x41, 0x1E)},
		{"US A with Shift", usLayout, []string{"Shift"}, "A", vk(0x41, 0x1E)},
		{"US A without Shift (Caps Lock on the viewer's side)", usLayout, nil, "A", uni('A')},
		{"US 7", usLayout, nil, "7", vk(0x37, 0x08)},
		{"US space", usLayout, nil, " ", vk(0x20, 0x39)},
		{"US ; on its key", usLayout, nil, ";", vk(0xBA, 0x27)},
		{"US : with Shift", usLayout, []string{"Shift"}, ":", vk(0xBA, 0x27)},
		{"US @ with Shift", usLayout, []string{"Shift"}, "@", vk(0x32, 0x03)},
		{"US é is not on the layout", usLayout, nil, "é", uni(0xE9)},
		{"US emoji: a surrogate pair", usLayout, nil, "😀", uni(0xD83D, 0xDE00)},
		{"US Ctrl+c is a shortcut", usLayout, []string{"Control"}, "c", vk(0x43, 0x2E)},
		{"US Ctrl+Shift+Z", usLayout, []string{"Control", "Shift"}, "Z", vk(0x5A, 0x2C)},
		{"US Alt+f shortcut", usLayout, []string{"Alt"}, "f", vk(0x46, 0)},
		{"US Win+e shortcut", usLayout, []string{"Meta"}, "e", vk(0x45, 0x12)},
		{"DE z is the Z key (scan 0x15)", deLayout, nil, "z", vk(0x5A, 0x15)},
		{"DE y is the Y key (scan 0x2C)", deLayout, nil, "y", vk(0x59, 0x2C)},
		{"DE ä", deLayout, nil, "ä", vk(0xDE, 0)},
		{"DE @ with AltGr", deLayout, []string{"AltGraph"}, "@", vk(0x51, 0x10)},
		{"DE @ with Ctrl+Alt (Windows' AltGr)", deLayout, []string{"Control", "Alt"}, "@", vk(0x51, 0x10)},
		{"DE € with AltGr", deLayout, []string{"AltGraph"}, "€", vk(0x45, 0x12)},
		{"DE @ typed as Shift+2 on a US viewer", deLayout, []string{"Shift"}, "@", uni('@')},
		{"DE ; without Shift (a US viewer)", deLayout, nil, ";", uni(';')},
		{"DE ; with Shift", deLayout, []string{"Shift"}, ";", vk(0xBC, 0x33)},
		{"DE / as Shift+7", deLayout, []string{"Shift"}, "/", vk(0x37, 0x08)},
		{"DE / without Shift (a US viewer)", deLayout, nil, "/", uni('/')},
		{"DE Ctrl+z shortcut", deLayout, []string{"Control"}, "z", vk(0x5A, 0x15)},
		{"DE Ctrl+; stays a shortcut on the ; key", deLayout, []string{"Control"}, ";", vk(0xBC, 0x33)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newInputTranslator(tt.layout, single, single)
			for _, m := range tt.hold {
				translateAll(t, tr, key(wire.ScreenKeyDown, m))
			}
			got := translateAll(t, tr, key(wire.ScreenKeyDown, tt.key))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("key-down %q holding %v (-want +got):\n%s", tt.key, tt.hold, diff)
			}
			up := translateAll(t, tr, key(wire.ScreenKeyUp, tt.key))
			wantUp := keyRecords(keyStrokes(tt.want), keyeventfKeyUp)
			if diff := cmp.Diff(wantUp, up); diff != "" {
				t.Errorf("key-up %q (-want +got):\n%s", tt.key, diff)
			}
		})
	}
	t.Run("every US letter and digit", func(t *testing.T) {
		for r := 'a'; r <= 'z'; r++ {
			tr := newInputTranslator(usLayout, single, single)
			got := translateAll(t, tr, key(wire.ScreenKeyDown, string(r)))
			if len(got) != 1 || got[0].Key.VK != uint16(r-'a'+'A') || got[0].Key.Flags != 0 {
				t.Errorf("%q: got %+v, want the VK_%c key", r, got, r-'a'+'A')
			}
		}
		for r := '0'; r <= '9'; r++ {
			tr := newInputTranslator(usLayout, single, single)
			got := translateAll(t, tr, key(wire.ScreenKeyDown, string(r)))
			if len(got) != 1 || got[0].Key.VK != uint16(r) {
				t.Errorf("%q: got %+v, want VK 0x%X", r, got, r)
			}
		}
	})
}

func keyStrokes(in []winInput) []winKeyInput {
	out := make([]winKeyInput, len(in))
	for i := range in {
		out[i] = in[i].Key
	}
	return out
}

func TestSendInputKeyUpRepeatsKeyDown(t *testing.T) {
	tr := newInputTranslator(usLayout, single, single)
	// Shift released before the letter: the A key goes up, not a Unicode 'A'.
	got := translateAll(t, tr,
		key(wire.ScreenKeyDown, "Shift"), key(wire.ScreenKeyDown, "A"),
		key(wire.ScreenKeyDown, "A"), // auto-repeat
		key(wire.ScreenKeyUp, "Shift"), key(wire.ScreenKeyUp, "A"))
	want := []winInput{
		kbd(0x10, 0x2A, 0), kbd(0x41, 0x1E, 0), kbd(0x41, 0x1E, 0),
		kbd(0x10, 0x2A, keyeventfKeyUp), kbd(0x41, 0x1E, keyeventfKeyUp),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(tr.keys) != 0 {
		t.Errorf("keys still held: %v", tr.keys)
	}
	// A key-up without its key-down is translated on its own.
	got = translateAll(t, tr, key(wire.ScreenKeyUp, "Enter"))
	if diff := cmp.Diff([]winInput{kbd(0x0D, 0x1C, keyeventfKeyUp)}, got); diff != "" {
		t.Errorf("lone key-up (-want +got):\n%s", diff)
	}
}

func TestSendInputRefusesUnknownKeys(t *testing.T) {
	for _, name := range []string{"", "Dead", "Unidentified", "Process", "ab", "\x01", "\x7f", "\xff", "Ctrl", "f1"} {
		tr := newInputTranslator(usLayout, single, single)
		for _, kind := range []string{wire.ScreenKeyDown, wire.ScreenKeyUp} {
			got, err := tr.translate(key(kind, name))
			if !errors.Is(err, errUnknownKey) || got != nil {
				t.Errorf("%s %q: got (%v, %v), want (nil, errUnknownKey)", kind, name, got, err)
			}
		}
		if len(tr.keys) != 0 {
			t.Errorf("%q: a refused key is held: %v", name, tr.keys)
		}
	}
	tr := newInputTranslator(usLayout, single, single)
	if _, err := tr.translate(wire.ScreenInput{Kind: "drag"}); err == nil {
		t.Error("unknown kind: got nil error")
	}
}

func TestSendInputMouseButtons(t *testing.T) {
	tests := []struct {
		button         int
		down, up, data uint32
	}{
		{0, 0x0002, 0x0004, 0}, // left
		{1, 0x0020, 0x0040, 0}, // middle
		{2, 0x0008, 0x0010, 0}, // right
		{3, 0x0080, 0x0100, 1}, // back: XBUTTON1
		{4, 0x0080, 0x0100, 2}, // forward: XBUTTON2
	}
	for _, tt := range tests {
		tr := newInputTranslator(usLayout, single, single)
		got := translateAll(t, tr,
			wire.ScreenInput{Kind: wire.ScreenMouseDown, X: 959, Y: 0, Button: tt.button},
			wire.ScreenInput{Kind: wire.ScreenMouseUp, X: 959, Y: 0, Button: tt.button})
		const move = 0x0001 | 0x8000 | 0x4000 // MOVE | ABSOLUTE | VIRTUALDESK
		want := []winInput{
			{Type: inputMouse, Mouse: winMouseInput{Dx: 32734, Dy: 0, MouseData: tt.data, Flags: move | tt.down}},
			{Type: inputMouse, Mouse: winMouseInput{Dx: 32734, Dy: 0, MouseData: tt.data, Flags: move | tt.up}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("button %d down, up (-want +got):\n%s", tt.button, diff)
		}
		if len(tr.buttons) != 0 {
			t.Errorf("button %d still held after up", tt.button)
		}
	}
	for _, b := range []int{-1, 5, 8} {
		tr := newInputTranslator(usLayout, single, single)
		if got, err := tr.translate(wire.ScreenInput{Kind: wire.ScreenMouseDown, Button: b}); err == nil || got != nil || len(tr.buttons) != 0 {
			t.Errorf("button %d: got (%v, %v), want refused", b, got, err)
		}
	}
}

func TestSendInputWheel(t *testing.T) {
	tests := []struct {
		deltaY int
		want   int32 // MOUSEINPUT.mouseData
	}{
		{100, -120}, {-100, 120}, {1, -120}, {-1, 120}, {149, -120}, {150, -240},
		{250, -360}, {1000, -1200}, {1100, -1200}, {100000, -1200}, {-5000, 1200},
	}
	for _, tt := range tests {
		tr := newInputTranslator(usLayout, single, single)
		got := translateAll(t, tr, wire.ScreenInput{Kind: wire.ScreenWheel, X: 0, Y: 1079, DeltaY: tt.deltaY})
		want := []winInput{{Type: inputMouse, Mouse: winMouseInput{Dx: 0, Dy: 65476, MouseData: uint32(tt.want), Flags: mouseMoveTo | 0x0800}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("delta_y %d (-want +got):\n%s", tt.deltaY, diff)
		}
	}
	tr := newInputTranslator(usLayout, single, single)
	got := translateAll(t, tr, wire.ScreenInput{Kind: wire.ScreenWheel, X: 5, Y: 5})
	if len(got) != 1 || got[0].Mouse.Flags != mouseMoveTo {
		t.Errorf("delta_y 0: got %+v, want a move and no wheel", got)
	}
}

func TestSendInputCoordinates(t *testing.T) {
	// Three monitors: one left of the primary, one right of it and 200 px
	// higher. The virtual desktop is (-1920,-200)-(3840,1440), 5760×1640.
	left := image.Rect(-1920, 0, 0, 1080)
	primary := image.Rect(0, 0, 2560, 1440)
	right := image.Rect(2560, -200, 3840, 824)
	desk := left.Union(primary).Union(right)
	tests := []struct {
		name         string
		area         image.Rectangle
		x, y         int
		wantX, wantY int32
	}{
		{"left, top-left", left, 0, 0, 0, 7993},
		{"left, bottom-right", left, 1919, 1079, 21834, 51111},
		{"primary, top-left", primary, 0, 0, 21846, 7993},
		{"primary, bottom-right", primary, 2559, 1439, 50962, 65497},
		{"right, top-left", right, 0, 0, 50973, 0},
		{"right, bottom-right", right, 1279, 1023, 65525, 40881},
		{"right, beyond the edge is clamped", right, 5000, 9000, 65525, 40881},
		{"whole desktop, top-left", desk, 0, 0, 0, 0},
		{"whole desktop, bottom-right", desk, 5759, 1639, 65525, 65497},
		{"single monitor, bottom-right", single, 1919, 1079, 65502, 65476},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := desk
			if tt.area == single {
				d = single
			}
			tr := newInputTranslator(usLayout, tt.area, d)
			got := translateAll(t, tr, wire.ScreenInput{Kind: wire.ScreenMouseMove, X: tt.x, Y: tt.y})
			want := []winInput{{Type: inputMouse, Mouse: winMouseInput{Dx: tt.wantX, Dy: tt.wantY, Flags: mouseMoveTo}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("move to %d,%d (-want +got):\n%s", tt.x, tt.y, diff)
			}
		})
	}
	// Windows maps n back to pixel n·size/65536 (truncated): every pixel
	// must come back as itself, for sizes from 1 to beyond 16 monitors.
	for _, size := range []int{1, 2, 3, 480, 1080, 1640, 1920, 5760, 7680, 16384, 32767} {
		for p := 0; p < size; p++ {
			n := normalize(p, size)
			if n < 0 || n > 65535 || int(n)*size/65536 != p {
				t.Fatalf("normalize(%d, %d) = %d: Windows maps it to %d", p, size, n, int(n)*size/65536)
			}
		}
	}
}

func TestSendInputReleaseLetsGoOfEverything(t *testing.T) {
	tr := newInputTranslator(usLayout, single, single)
	translateAll(t, tr,
		key(wire.ScreenKeyDown, "Control"), key(wire.ScreenKeyDown, "é"),
		key(wire.ScreenKeyDown, "x"), key(wire.ScreenKeyUp, "x"),
		wire.ScreenInput{Kind: wire.ScreenMouseDown, Button: 0},
		wire.ScreenInput{Kind: wire.ScreenMouseDown, Button: 4},
		wire.ScreenInput{Kind: wire.ScreenMouseDown, Button: 2}, wire.ScreenInput{Kind: wire.ScreenMouseUp, Button: 2})
	got := map[string]bool{}
	for _, in := range tr.release() {
		got[fmt.Sprintf("%d %+v %+v", in.Type, in.Key, in.Mouse)] = true
	}
	want := map[string]bool{}
	for _, in := range []winInput{
		kbd(0x11, 0x1D, keyeventfKeyUp),
		kbd(0, 0xE9, keyeventfUnicode|keyeventfKeyUp),
		{Type: inputMouse, Mouse: winMouseInput{Flags: mouseeventfLeftUp}},
		{Type: inputMouse, Mouse: winMouseInput{MouseData: xbutton2, Flags: mouseeventfXUp}},
	} {
		want[fmt.Sprintf("%d %+v %+v", in.Type, in.Key, in.Mouse)] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("release (-want +got):\n%s", diff)
	}
	if again := tr.release(); len(again) != 0 {
		t.Errorf("second release: got %+v, want nothing", again)
	}
}

// TestSendInputRawLayout checks the bytes SendInput reads: INPUT's size and
// the offsets of MOUSEINPUT's and KEYBDINPUT's fields (winuser.h).
func TestSendInputRawLayout(t *testing.T) {
	ptr := int(unsafe.Sizeof(uintptr(0)))
	if got, want := int(unsafe.Sizeof(rawInput{})), 16+3*ptr; got != want {
		t.Fatalf("sizeof(INPUT): got %d, want %d", got, want)
	}
	bytesOf := func(r rawInput) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&r)), unsafe.Sizeof(r)) }
	le := binary.NativeEndian
	m := bytesOf(winInput{Type: inputMouse, Mouse: winMouseInput{Dx: -2, Dy: 65535, MouseData: uint32(0xFFFFFF88), Flags: 0xC801}}.raw())
	u := ptr // the union starts pointer-aligned
	if got := [...]uint32{le.Uint32(m[0:]), le.Uint32(m[u:]), le.Uint32(m[u+4:]), le.Uint32(m[u+8:]), le.Uint32(m[u+12:])}; got != [...]uint32{0, 0xFFFFFFFE, 65535, 0xFFFFFF88, 0xC801} {
		t.Errorf("MOUSEINPUT fields (type, dx, dy, mouseData, dwFlags): got %#x", got)
	}
	k := bytesOf(winInput{Type: inputKeyboard, Key: winKeyInput{VK: 0xA5, Scan: 0x38, Flags: keyeventfExtendedKey | keyeventfKeyUp}}.raw())
	if got := [...]uint32{le.Uint32(k[0:]), uint32(le.Uint16(k[u:])), uint32(le.Uint16(k[u+2:])), le.Uint32(k[u+4:]), le.Uint32(k[u+8:])}; got != [...]uint32{1, 0xA5, 0x38, 3, 0} {
		t.Errorf("KEYBDINPUT fields (type, wVk, wScan, dwFlags, time): got %#x", got)
	}
}

// TestCrossBuildWindowsAndMacOS type-checks and vets this package for the
// platforms whose code cannot run here (make vet and make cross do the same
// for the whole client).
func TestCrossBuildWindowsAndMacOS(t *testing.T) {
	if testing.Short() {
		t.Skip("cross vet: skipped with -short")
	}
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	for _, target := range []string{"windows/amd64", "windows/arm64", "darwin/arm64", "darwin/amd64"} {
		t.Run(target, func(t *testing.T) {
			goos, goarch, _ := strings.Cut(target, "/")
			cmd := exec.Command(gobin, "vet", ".")
			cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("GOOS=%s GOARCH=%s go vet: %v\n%s", goos, goarch, err, out)
			}
		})
	}
}
