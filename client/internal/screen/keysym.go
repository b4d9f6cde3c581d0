package screen

import (
	"unicode/utf8"
)

// X keysyms for the DOM KeyboardEvent.key names a viewer sends that are not
// single characters.
var namedKeysyms = map[string]uint32{
	"Enter": 0xff0d, "Backspace": 0xff08, "Tab": 0xff09, "Escape": 0xff1b, "Delete": 0xffff,
	"Insert": 0xff63, "Home": 0xff50, "End": 0xff57, "PageUp": 0xff55, "PageDown": 0xff56,
	"ArrowLeft": 0xff51, "ArrowUp": 0xff52, "ArrowRight": 0xff53, "ArrowDown": 0xff54,
	"Shift": 0xffe1, "Control": 0xffe3, "Alt": 0xffe9, "AltGraph": 0xfe03, "Meta": 0xffeb,
	"CapsLock": 0xffe5, "ContextMenu": 0xff67, "PrintScreen": 0xff61, "Pause": 0xff13,
	"ScrollLock": 0xff14, "NumLock": 0xff7f,
	"F1": 0xffbe, "F2": 0xffbf, "F3": 0xffc0, "F4": 0xffc1, "F5": 0xffc2, "F6": 0xffc3,
	"F7": 0xffc4, "F8": 0xffc5, "F9": 0xffc6, "F10": 0xffc7, "F11": 0xffc8, "F12": 0xffc9,
}

// keysymFor maps a DOM KeyboardEvent.key value to an X keysym; ok is false
// for names it does not know. Single characters map to themselves (Latin-1
// keysyms equal their code point; others use the 0x01000000 Unicode range).
func keysymFor(key string) (sym uint32, ok bool) {
	if s, ok := namedKeysyms[key]; ok {
		return s, true
	}
	r, n := utf8.DecodeRuneInString(key)
	if n == 0 || n != len(key) || r == utf8.RuneError || r < 0x20 {
		return 0, false
	}
	if r <= 0xff {
		return uint32(r), true
	}
	return 0x01000000 | uint32(r), true
}
