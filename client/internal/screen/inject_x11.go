//go:build linux

package screen

import (
	"errors"
	"fmt"
	"sync"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/tetherhq/tether/internal/wire"
)

// x11Injector sends synthetic input through the XTEST extension.
type x11Injector struct {
	mu     sync.Mutex
	conn   *xgb.Conn
	root   xproto.Window
	w, h   int
	keymap map[uint32]xproto.Keycode // keysym → first keycode that produces it
	held   map[byte]bool             // keycodes pressed and not released
	btns   map[byte]bool             // X buttons pressed and not released
	closed bool
}

// OpenInjector connects to an X display ("" = $DISPLAY) that offers XTEST.
func OpenInjector(display string) (Injector, error) {
	conn, err := dialX(display)
	if err != nil {
		return nil, err
	}
	in, err := newX11Injector(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return in, nil
}

func newX11Injector(conn *xgb.Conn) (*x11Injector, error) {
	if err := xtest.Init(conn); err != nil {
		return nil, fmt.Errorf("screen: XTEST extension: %w", err)
	}
	setup := xproto.Setup(conn)
	scr := setup.DefaultScreen(conn)
	n := int(setup.MaxKeycode) - int(setup.MinKeycode) + 1
	km, err := xproto.GetKeyboardMapping(conn, setup.MinKeycode, byte(n)).Reply()
	if err != nil {
		return nil, fmt.Errorf("screen: read keyboard mapping: %w", err)
	}
	keymap := make(map[uint32]xproto.Keycode)
	per := int(km.KeysymsPerKeycode)
	// Prefer the unshifted column, so "a" and "A" both land on the A key and
	// the viewer's own Shift events decide the case.
	for col := 0; col < per; col++ {
		for i := 0; i < n; i++ {
			if i*per+col >= len(km.Keysyms) {
				break
			}
			sym := uint32(km.Keysyms[i*per+col])
			if _, ok := keymap[sym]; sym != 0 && !ok {
				keymap[sym] = xproto.Keycode(int(setup.MinKeycode) + i)
			}
		}
	}
	return &x11Injector{
		conn: conn, root: scr.Root, w: int(scr.WidthInPixels), h: int(scr.HeightInPixels),
		keymap: keymap, held: map[byte]bool{}, btns: map[byte]bool{},
	}, nil
}

// xButton maps DOM MouseEvent.button to X button numbers.
var xButton = [...]byte{0: 1, 1: 2, 2: 3, 3: 8, 4: 9}

func (in *x11Injector) Inject(ev wire.ScreenInput) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return errors.New("screen: inject: injector closed")
	}
	switch ev.Kind {
	case wire.ScreenMouseMove:
		return in.move(ev.X, ev.Y)
	case wire.ScreenMouseDown, wire.ScreenMouseUp:
		if ev.Button < 0 || ev.Button >= len(xButton) {
			return fmt.Errorf("screen: inject: mouse button %d", ev.Button)
		}
		if err := in.move(ev.X, ev.Y); err != nil {
			return err
		}
		b := xButton[ev.Button]
		down := ev.Kind == wire.ScreenMouseDown
		in.btns[b] = down
		return in.fake(buttonType(down), b, 0, 0)
	case wire.ScreenWheel:
		if err := in.move(ev.X, ev.Y); err != nil {
			return err
		}
		b, n := byte(5), ev.DeltaY // X button 5 scrolls down, 4 up
		if n < 0 {
			b, n = 4, -n
		}
		clicks := min(max((n+50)/100, 1), 10)
		for range clicks {
			if err := in.fake(xproto.ButtonPress, b, 0, 0); err != nil {
				return err
			}
			if err := in.fake(xproto.ButtonRelease, b, 0, 0); err != nil {
				return err
			}
		}
		return nil
	case wire.ScreenKeyDown, wire.ScreenKeyUp:
		sym, ok := keysymFor(ev.Key)
		if !ok {
			return fmt.Errorf("screen: inject: unknown key %q", ev.Key)
		}
		kc, ok := in.keymap[sym]
		if !ok {
			return fmt.Errorf("screen: inject: key %q is not on this keyboard", ev.Key)
		}
		down := ev.Kind == wire.ScreenKeyDown
		in.held[byte(kc)] = down
		typ := byte(xproto.KeyRelease)
		if down {
			typ = xproto.KeyPress
		}
		return in.fake(typ, byte(kc), 0, 0)
	}
	return fmt.Errorf("screen: inject: unknown input kind %q", ev.Kind)
}

func buttonType(down bool) byte {
	if down {
		return xproto.ButtonPress
	}
	return xproto.ButtonRelease
}

func (in *x11Injector) move(x, y int) error {
	x = min(max(x, 0), in.w-1)
	y = min(max(y, 0), in.h-1)
	return in.fake(xproto.MotionNotify, 0, int16(x), int16(y))
}

func (in *x11Injector) fake(typ, detail byte, x, y int16) error {
	if err := xtest.FakeInputChecked(in.conn, typ, detail, 0, in.root, x, y, 0).Check(); err != nil {
		return fmt.Errorf("screen: inject: XTEST: %w", err)
	}
	return nil
}

// Close releases every key and button the viewer left pressed (a technician
// who disconnects holding Ctrl must not leave it stuck), then disconnects.
func (in *x11Injector) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return nil
	}
	in.closed = true
	var errs []error
	for kc, down := range in.held {
		if down {
			errs = append(errs, in.fake(xproto.KeyRelease, kc, 0, 0))
		}
	}
	for b, down := range in.btns {
		if down {
			errs = append(errs, in.fake(xproto.ButtonRelease, b, 0, 0))
		}
	}
	in.conn.Close()
	return errors.Join(errs...)
}
