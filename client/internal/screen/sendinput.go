package screen

import (
	"errors"
	"fmt"
	"image"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/tetherhq/tether/internal/wire"
)

// This file translates viewer input (wire.ScreenInput) into the INPUT
// records that Windows' SendInput takes. It has no build tag on purpose:
// the translation is plain Go, so the unit tests run it on Linux, while
// inject_windows.go only hands the records to user32.
//
//	wire.ScreenInput ──inputTranslator──► []winInput ──raw()──► []rawInput ──► SendInput
//	                        │
//	                        └── keyboardLayout (VkKeyScanExW, MapVirtualKeyExW)

// INPUT.type (winuser.h).
const (
	inputMouse    = 0
	inputKeyboard = 1
)

// MOUSEINPUT.dwFlags (winuser.h).
const (
	mouseeventfMove        = 0x0001
	mouseeventfLeftDown    = 0x0002
	mouseeventfLeftUp      = 0x0004
	mouseeventfRightDown   = 0x0008
	mouseeventfRightUp     = 0x0010
	mouseeventfMiddleDown  = 0x0020
	mouseeventfMiddleUp    = 0x0040
	mouseeventfXDown       = 0x0080
	mouseeventfXUp         = 0x0100
	mouseeventfWheel       = 0x0800
	mouseeventfVirtualDesk = 0x4000
	mouseeventfAbsolute    = 0x8000

	// mouseMoveTo is the position part of every pointer event: absolute,
	// normalised 0..65535 over the whole virtual desktop (every monitor).
	mouseMoveTo = mouseeventfMove | mouseeventfAbsolute | mouseeventfVirtualDesk

	xbutton1   = 1   // MOUSEINPUT.mouseData with XDOWN/XUP: back
	xbutton2   = 2   // forward
	wheelDelta = 120 // one wheel click (WHEEL_DELTA)
)

// KEYBDINPUT.dwFlags (winuser.h).
const (
	keyeventfExtendedKey = 0x0001
	keyeventfKeyUp       = 0x0002
	keyeventfUnicode     = 0x0004
)

// winInput is one INPUT record in plain Go: Mouse is meaningful when Type is
// inputMouse, Key when it is inputKeyboard. raw() gives the C layout.
type winInput struct {
	Type  uint32
	Mouse winMouseInput
	Key   winKeyInput
}

// winMouseInput mirrors MOUSEINPUT (time and dwExtraInfo are always 0).
type winMouseInput struct {
	Dx, Dy    int32  // normalised absolute position (0..65535) with mouseeventfAbsolute
	MouseData uint32 // wheel amount (signed, in wheelDelta units) or XBUTTON1/2
	Flags     uint32
}

// winKeyInput mirrors KEYBDINPUT (time and dwExtraInfo are always 0).
type winKeyInput struct {
	VK    uint16 // virtual-key code; 0 with keyeventfUnicode
	Scan  uint16 // hardware scan code, or the UTF-16 unit with keyeventfUnicode
	Flags uint32
}

// buttonFlags maps DOM MouseEvent.button to SendInput's down and up flags
// and the mouseData that goes with them.
var buttonFlags = [...]struct{ down, up, data uint32 }{
	0: {mouseeventfLeftDown, mouseeventfLeftUp, 0},
	1: {mouseeventfMiddleDown, mouseeventfMiddleUp, 0},
	2: {mouseeventfRightDown, mouseeventfRightUp, 0},
	3: {mouseeventfXDown, mouseeventfXUp, xbutton1},
	4: {mouseeventfXDown, mouseeventfXUp, xbutton2},
}

// namedKey is a DOM key name's virtual key, and whether it is one of the
// keys Windows marks extended (the E0-prefixed ones of a PC keyboard).
type namedKey struct {
	vk       uint16
	extended bool
}

// namedVKs holds the same DOM KeyboardEvent.key names as namedKeysyms (the
// X11 table), as virtual keys.
var namedVKs = map[string]namedKey{
	"Enter": {0x0D, false}, "Backspace": {0x08, false}, "Tab": {0x09, false}, "Escape": {0x1B, false},
	"Delete": {0x2E, true}, "Insert": {0x2D, true}, "Home": {0x24, true}, "End": {0x23, true},
	"PageUp": {0x21, true}, "PageDown": {0x22, true},
	"ArrowLeft": {0x25, true}, "ArrowUp": {0x26, true}, "ArrowRight": {0x27, true}, "ArrowDown": {0x28, true},
	"Shift": {0x10, false}, "Control": {0x11, false}, "Alt": {0x12, false},
	"AltGraph": {0xA5, true}, // VK_RMENU: right Alt; layouts with AltGr add the Ctrl themselves
	"Meta":     {0x5B, true}, // VK_LWIN
	"CapsLock": {0x14, false}, "ContextMenu": {0x5D, true}, "PrintScreen": {0x2C, true},
	"Pause": {0x13, false}, "ScrollLock": {0x91, false}, "NumLock": {0x90, true},
	"F1": {0x70, false}, "F2": {0x71, false}, "F3": {0x72, false}, "F4": {0x73, false},
	"F5": {0x74, false}, "F6": {0x75, false}, "F7": {0x76, false}, "F8": {0x77, false},
	"F9": {0x78, false}, "F10": {0x79, false}, "F11": {0x7A, false}, "F12": {0x7B, false},
}

// Shift-state bits in the high byte of VkKeyScanExW's result.
const (
	layoutShift = 1
	layoutCtrl  = 2
	layoutAlt   = 4
	layoutAltGr = layoutCtrl | layoutAlt // how Windows spells AltGr
)

// keyboardLayout is the user's active keyboard layout. On Windows it is
// user32's; the tests pass fake US and German layouts.
type keyboardLayout interface {
	// VkKeyScan is VkKeyScanExW(c): the virtual key in the low byte and the
	// shift state (layoutShift, layoutCtrl, layoutAlt) in the high byte, or
	// -1 when no key of the layout types c.
	VkKeyScan(c uint16) int16
	// ScanCode is MapVirtualKeyExW(vk, MAPVK_VK_TO_VSC); 0 when unknown.
	ScanCode(vk uint16) uint16
}

// errUnknownKey is returned for a DOM key name the translator has no key
// for (for example "Dead" or "Unidentified"); nothing is sent.
var errUnknownKey = errors.New("unknown key")

// inputTranslator turns viewer events into SendInput records. It remembers
// which keys and buttons it pressed so that key-up repeats what key-down did
// and release can let go of everything. It is not safe for concurrent use;
// the Windows injector holds a lock around it.
type inputTranslator struct {
	layout keyboardLayout
	// area is the captured picture's rectangle on the virtual desktop:
	// viewer position (0,0) is area.Min. desk is the virtual desktop (the
	// union of every monitor), which SendInput's normalised coordinates span.
	area, desk image.Rectangle
	keys       map[string][]winKeyInput // DOM key → the key-down records it sent
	buttons    map[int]bool             // DOM buttons pressed and not released
}

func newInputTranslator(layout keyboardLayout, area, desk image.Rectangle) *inputTranslator {
	return &inputTranslator{layout: layout, area: area, desk: desk, keys: map[string][]winKeyInput{}, buttons: map[int]bool{}}
}

// translate returns the records that perform ev, or an error (and nothing to
// send) for an event it refuses.
func (t *inputTranslator) translate(ev wire.ScreenInput) ([]winInput, error) {
	switch ev.Kind {
	case wire.ScreenMouseMove:
		return []winInput{t.mouse(ev.X, ev.Y, 0, 0)}, nil
	case wire.ScreenMouseDown, wire.ScreenMouseUp:
		if ev.Button < 0 || ev.Button >= len(buttonFlags) {
			return nil, fmt.Errorf("screen: inject: mouse button %d", ev.Button)
		}
		b := buttonFlags[ev.Button]
		flags := b.up
		if down := ev.Kind == wire.ScreenMouseDown; down {
			flags = b.down
			t.buttons[ev.Button] = true
		} else {
			delete(t.buttons, ev.Button)
		}
		return []winInput{t.mouse(ev.X, ev.Y, flags, b.data)}, nil
	case wire.ScreenWheel:
		if ev.DeltaY == 0 {
			return []winInput{t.mouse(ev.X, ev.Y, 0, 0)}, nil
		}
		// DOM deltaY > 0 scrolls down; a positive wheel amount scrolls up
		// (away from the user). Each 100 px is one click, at least 1, at most 10.
		n := ev.DeltaY
		sign := int32(-1)
		if n < 0 {
			sign, n = 1, -n
		}
		clicks := int32(min(max((n+50)/100, 1), 10))
		return []winInput{t.mouse(ev.X, ev.Y, mouseeventfWheel, uint32(sign*clicks*wheelDelta))}, nil
	case wire.ScreenKeyDown:
		stroke, ok := t.keys[ev.Key] // a held key repeats what it sent first
		if !ok {
			var err error
			if stroke, err = t.stroke(ev.Key); err != nil {
				return nil, err
			}
			t.keys[ev.Key] = stroke
		}
		return keyRecords(stroke, 0), nil
	case wire.ScreenKeyUp:
		stroke, ok := t.keys[ev.Key]
		if !ok {
			var err error
			if stroke, err = t.stroke(ev.Key); err != nil {
				return nil, err
			}
		}
		delete(t.keys, ev.Key)
		return keyRecords(stroke, keyeventfKeyUp), nil
	}
	return nil, fmt.Errorf("screen: inject: unknown input kind %q", ev.Kind)
}

// release returns the records that let go of every key and button still
// pressed (a technician who disconnects holding Ctrl must not leave it stuck).
func (t *inputTranslator) release() []winInput {
	var out []winInput
	for _, stroke := range t.keys {
		out = append(out, keyRecords(stroke, keyeventfKeyUp)...)
	}
	for b := range t.buttons {
		f := buttonFlags[b]
		out = append(out, winInput{Type: inputMouse, Mouse: winMouseInput{MouseData: f.data, Flags: f.up}})
	}
	clear(t.keys)
	clear(t.buttons)
	return out
}

// mouse is a pointer record at viewer position (x, y), clamped to the
// captured area, with extra button or wheel flags.
func (t *inputTranslator) mouse(x, y int, flags, data uint32) winInput {
	px := min(max(t.area.Min.X+x, t.area.Min.X), t.area.Max.X-1)
	py := min(max(t.area.Min.Y+y, t.area.Min.Y), t.area.Max.Y-1)
	return winInput{Type: inputMouse, Mouse: winMouseInput{
		Dx: normalize(px-t.desk.Min.X, t.desk.Dx()), Dy: normalize(py-t.desk.Min.Y, t.desk.Dy()),
		MouseData: data, Flags: mouseMoveTo | flags,
	}}
}

// normalize maps pixel p (0 ≤ p < size) of the virtual desktop to
// SendInput's 0..65535 range. Windows maps back with p = n·size/65536
// (truncated), so n is the smallest value that lands on p: the ceiling of
// p·65536/size.
func normalize(p, size int) int32 {
	if size <= 0 {
		return 0
	}
	p = min(max(p, 0), size-1)
	return int32((p*65536 + size - 1) / size)
}

// stroke decides what key-down records a DOM key name sends.
func (t *inputTranslator) stroke(key string) ([]winKeyInput, error) {
	if k, ok := namedVKs[key]; ok {
		var flags uint32
		if k.extended {
			flags = keyeventfExtendedKey
		}
		return []winKeyInput{{VK: k.vk, Scan: t.layout.ScanCode(k.vk), Flags: flags}}, nil
	}
	r, n := utf8.DecodeRuneInString(key)
	if n == 0 || n != len(key) || r == utf8.RuneError || r < 0x20 || r == 0x7f {
		return nil, fmt.Errorf("screen: inject: %w %q", errUnknownKey, key)
	}
	if r <= 0xffff {
		if s := t.layout.VkKeyScan(uint16(r)); s != -1 {
			vk, state := uint16(s&0xff), int(s>>8)&0xff
			// The user's layout has a key for r. Press it when the viewer's
			// modifiers select the level r is on (Shift held for "A", AltGr
			// for "@" on a German layout), or when they make a shortcut
			// (Ctrl+C must reach the application as Ctrl and the C key).
			// Otherwise pressing it would type another character (";" is
			// Shift+, on a German layout, but the viewer did not hold
			// Shift): type the character itself instead.
			if t.shortcut() || state == t.level() {
				return []winKeyInput{{VK: vk, Scan: t.layout.ScanCode(vk)}}, nil
			}
		}
	}
	// Not on the layout, or on another level: KEYEVENTF_UNICODE types the
	// character as it is (one record per UTF-16 unit).
	var out []winKeyInput
	for _, u := range utf16.Encode([]rune{r}) {
		out = append(out, winKeyInput{Scan: u, Flags: keyeventfUnicode})
	}
	return out, nil
}

// level is the layout shift state the viewer's held modifiers select.
func (t *inputTranslator) level() int {
	l := 0
	if t.held("Shift") {
		l |= layoutShift
	}
	if t.held("AltGraph") || (t.held("Control") && t.held("Alt")) {
		l |= layoutAltGr
	}
	return l
}

// shortcut reports whether Ctrl, Alt or the Windows key is held without
// meaning AltGr.
func (t *inputTranslator) shortcut() bool {
	if t.level()&layoutAltGr == layoutAltGr {
		return false
	}
	return t.held("Control") || t.held("Alt") || t.held("Meta")
}

func (t *inputTranslator) held(key string) bool {
	_, ok := t.keys[key]
	return ok
}

// keyRecords turns key-down records into INPUTs, with extra flags
// (keyeventfKeyUp to release).
func keyRecords(stroke []winKeyInput, flags uint32) []winInput {
	out := make([]winInput, len(stroke))
	for i, k := range stroke {
		k.Flags |= flags
		out[i] = winInput{Type: inputKeyboard, Key: k}
	}
	return out
}

// rawInput is INPUT exactly as user32 reads it: a DWORD type, then (aligned
// to a pointer) the union of MOUSEINPUT and KEYBDINPUT, whose largest member
// is MOUSEINPUT. 40 bytes on 64-bit Windows, 28 on 32-bit.
type rawInput struct {
	typ uint32
	u   rawMouseInput
}

type rawMouseInput struct {
	dx, dy                 int32
	mouseData, flags, time uint32
	extraInfo              uintptr
}

type rawKeybdInput struct {
	vk, scan    uint16
	flags, time uint32
	extraInfo   uintptr
}

// rawInputSize is sizeof(INPUT) for this architecture.
const rawInputSize = 16 + 3*unsafe.Sizeof(uintptr(0))

// Compile-time check that rawInput has INPUT's size.
var (
	_ [rawInputSize - unsafe.Sizeof(rawInput{})]byte
	_ [unsafe.Sizeof(rawInput{}) - rawInputSize]byte
)

// raw returns in in INPUT's memory layout.
func (in winInput) raw() rawInput {
	r := rawInput{typ: in.Type}
	switch in.Type {
	case inputMouse:
		r.u = rawMouseInput{dx: in.Mouse.Dx, dy: in.Mouse.Dy, mouseData: in.Mouse.MouseData, flags: in.Mouse.Flags}
	case inputKeyboard:
		*(*rawKeybdInput)(unsafe.Pointer(&r.u)) = rawKeybdInput{vk: in.Key.VK, scan: in.Key.Scan, flags: in.Key.Flags}
	}
	return r
}
