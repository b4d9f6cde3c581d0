//go:build windows

package screen

import (
	"errors"
	"fmt"
	"image"
	"sync"
	"unsafe"

	"github.com/kbinani/screenshot"
	"golang.org/x/sys/windows"

	"github.com/tetherhq/tether/internal/wire"
)

// user32 procedures for input, loaded from System32 only.
var (
	inputUser32           = windows.NewLazySystemDLL("user32.dll")
	procSendInput         = inputUser32.NewProc("SendInput")
	procVkKeyScanExW      = inputUser32.NewProc("VkKeyScanExW")
	procMapVirtualKeyExW  = inputUser32.NewProc("MapVirtualKeyExW")
	procGetKeyboardLayout = inputUser32.NewProc("GetKeyboardLayout")
)

// winInjector replays a viewer's input with SendInput. The translation
// (sendinput.go) is portable and unit-tested; this file only calls user32.
type winInjector struct {
	mu     sync.Mutex
	tr     *inputTranslator
	closed bool
}

// OpenInjector returns an injector for the area Open captures (display is
// ignored, as by Open). Input goes to the desktop of the user the client runs
// as; see docs/clients.md for what Windows does not let it reach (UAC
// prompts, the sign-in screen, windows of elevated programs).
func OpenInjector(display string) (Injector, error) {
	for _, p := range []*windows.LazyProc{procSendInput, procVkKeyScanExW, procMapVirtualKeyExW, procGetKeyboardLayout} {
		if err := p.Find(); err != nil {
			return nil, fmt.Errorf("%w: user32: %v", ErrUnsupported, err)
		}
	}
	n := screenshot.NumActiveDisplays()
	if n < 1 {
		return nil, fmt.Errorf("%w: no active display", ErrUnsupported)
	}
	// The same rectangle as Open (the union of every display), so that
	// viewer pixel (x, y) is the captured pixel (x, y) (Serve has already
	// added a picked monitor's origin); the desktop is that union too,
	// which is what MOUSEEVENTF_VIRTUALDESK normalises over.
	desk := screenshot.GetDisplayBounds(0)
	for i := 1; i < n; i++ {
		desk = desk.Union(screenshot.GetDisplayBounds(i))
	}
	area := desk
	if area.Empty() {
		return nil, fmt.Errorf("%w: the displays have no size", ErrUnsupported)
	}
	return newWinInjector(area, desk), nil
}

// newWinInjector injects into area (viewer pixel (0,0) is area.Min) on the
// virtual desktop desk; a capturer streaming another monitor passes its own.
func newWinInjector(area, desk image.Rectangle) *winInjector {
	return &winInjector{tr: newInputTranslator(userLayout{}, area, desk)}
}

func (in *winInjector) Inject(ev wire.ScreenInput) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return errors.New("screen: inject: injector closed")
	}
	records, err := in.tr.translate(ev)
	if err != nil {
		return err
	}
	return sendInput(records)
}

// Close releases every key and button the viewer left pressed.
func (in *winInjector) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return nil
	}
	in.closed = true
	return sendInput(in.tr.release())
}

// sendInput hands records to SendInput in one call, so that nothing the user
// does interleaves with them.
func sendInput(records []winInput) error {
	if len(records) == 0 {
		return nil
	}
	raw := make([]rawInput, len(records))
	for i, r := range records {
		raw[i] = r.raw()
	}
	n, _, err := procSendInput.Call(uintptr(len(raw)), uintptr(unsafe.Pointer(&raw[0])), unsafe.Sizeof(raw[0]))
	if int(n) != len(raw) {
		// SendInput returns 0 when another thread blocked input; input that
		// UIPI blocks (an elevated window in front) fails silently.
		return fmt.Errorf("screen: inject: SendInput sent %d of %d events: %w", n, len(raw), err)
	}
	return nil
}

// userLayout is the keyboard layout of the thread that owns the foreground
// window: the layout the user is typing with now (it can differ per window).
type userLayout struct{}

func (userLayout) hkl() uintptr {
	tid, _ := windows.GetWindowThreadProcessId(windows.GetForegroundWindow(), nil)
	h, _, _ := procGetKeyboardLayout.Call(uintptr(tid))
	return h
}

func (l userLayout) VkKeyScan(c uint16) int16 {
	r, _, _ := procVkKeyScanExW.Call(uintptr(c), l.hkl())
	return int16(r)
}

func (l userLayout) ScanCode(vk uint16) uint16 {
	const mapvkVKToVSC = 0
	r, _, _ := procMapVirtualKeyExW.Call(uintptr(vk), mapvkVKToVSC, l.hkl())
	return uint16(r)
}
