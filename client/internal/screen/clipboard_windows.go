//go:build windows

package screen

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/tetherhq/tether/internal/wire"
)

// The Windows clipboard through user32 (no cgo): CF_UNICODETEXT set with
// SetClipboardData from GlobalAlloc'ed memory, read with GetClipboardData,
// and a copy by the user seen as a change of GetClipboardSequenceNumber,
// polled every clipPoll. It cannot run in CI (Linux): textFromUTF16 and
// utf16FromText, which do the conversions, are tested there.

const (
	cfUnicodeText = 13
	gmemMoveable  = 0x0002
	clipPoll      = 500 * time.Millisecond
)

var (
	user32                         = windows.NewLazySystemDLL("user32.dll")
	kernel32                       = windows.NewLazySystemDLL("kernel32.dll")
	procOpenClipboard              = user32.NewProc("OpenClipboard")
	procCloseClipboard             = user32.NewProc("CloseClipboard")
	procEmptyClipboard             = user32.NewProc("EmptyClipboard")
	procGetClipboardData           = user32.NewProc("GetClipboardData")
	procSetClipboardData           = user32.NewProc("SetClipboardData")
	procIsClipboardFormatAvailable = user32.NewProc("IsClipboardFormatAvailable")
	procGetClipboardSequenceNumber = user32.NewProc("GetClipboardSequenceNumber")
	procGlobalAlloc                = kernel32.NewProc("GlobalAlloc")
	procGlobalFree                 = kernel32.NewProc("GlobalFree")
	procGlobalLock                 = kernel32.NewProc("GlobalLock")
	procGlobalUnlock               = kernel32.NewProc("GlobalUnlock")
	procGlobalSize                 = kernel32.NewProc("GlobalSize")
	procRtlMoveMemory              = kernel32.NewProc("RtlMoveMemory")
)

type winClipboard struct {
	onRead  func(ClipboardRead)
	request chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	mu     sync.Mutex
	ownSeq uint32 // the sequence number our own Set left: not a copy by the user
}

// OpenClipboard watches the user's clipboard (display is unused on Windows).
func OpenClipboard(display string, onRead func(ClipboardRead)) (Clipboard, error) {
	if err := procGetClipboardSequenceNumber.Find(); err != nil {
		return nil, fmt.Errorf("screen: clipboard: %w", err)
	}
	if onRead == nil {
		onRead = func(ClipboardRead) {}
	}
	c := &winClipboard{onRead: onRead, request: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.watch()
	return c, nil
}

func clipSeq() uint32 {
	n, _, _ := procGetClipboardSequenceNumber.Call()
	return uint32(n)
}

// watch reports the user's copies and answers Request, until Close.
func (c *winClipboard) watch() {
	defer close(c.done)
	t := time.NewTicker(clipPoll)
	defer t.Stop()
	last := clipSeq()
	for {
		select {
		case <-c.stop:
			return
		case <-c.request:
			c.onRead(c.read())
		case <-t.C:
			s := clipSeq()
			if s == last {
				continue
			}
			last = s
			c.mu.Lock()
			own := s == c.ownSeq
			c.mu.Unlock()
			if !own {
				c.onRead(c.read())
			}
		}
	}
}

// withClipboard runs fn with the clipboard open on this OS thread,
// retrying a little while another program holds it.
func withClipboard(fn func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var err error
	for i := 0; i < 20; i++ {
		var ok uintptr
		ok, _, err = procOpenClipboard.Call(0)
		if ok != 0 {
			defer procCloseClipboard.Call()
			return fn()
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("open the clipboard: %w", err)
}

func (c *winClipboard) read() ClipboardRead {
	var rd ClipboardRead
	err := withClipboard(func() error {
		if ok, _, _ := procIsClipboardFormatAvailable.Call(cfUnicodeText); ok == 0 {
			return errors.New("the clipboard holds no text")
		}
		h, _, err := procGetClipboardData.Call(cfUnicodeText)
		if h == 0 {
			return fmt.Errorf("read the clipboard: %w", err)
		}
		p, _, err := procGlobalLock.Call(h)
		if p == 0 {
			return fmt.Errorf("read the clipboard: %w", err)
		}
		defer procGlobalUnlock.Call(h)
		size, _, _ := procGlobalSize.Call(h)
		units := int(size / 2)
		// Each UTF-16 unit is at least one byte of UTF-8: more units than
		// the limit (and its NUL) cannot fit, so only the size is reported.
		if units > wire.ScreenClipboardMax+1 {
			rd = ClipboardRead{Size: units}
			return nil
		}
		buf := make([]uint16, units)
		if units > 0 {
			// Global memory stays an address: copied, never made a Go pointer.
			procRtlMoveMemory.Call(uintptr(unsafe.Pointer(&buf[0])), p, uintptr(units*2))
		}
		rd = checkedRead(textFromUTF16(buf))
		return nil
	})
	if err != nil {
		return ClipboardRead{Err: err}
	}
	return rd
}

// Set puts text on the clipboard as CF_UNICODETEXT (CRLF line ends).
func (c *winClipboard) Set(text string) error {
	if err := wire.CheckClipboardText(text); err != nil {
		return fmt.Errorf("screen: clipboard: %w", err)
	}
	u := utf16FromText(text)
	h, _, err := procGlobalAlloc.Call(gmemMoveable, uintptr(len(u)*2))
	if h == 0 {
		return fmt.Errorf("screen: clipboard: allocate: %w", err)
	}
	p, _, err := procGlobalLock.Call(h)
	if p == 0 {
		procGlobalFree.Call(h)
		return fmt.Errorf("screen: clipboard: lock: %w", err)
	}
	procRtlMoveMemory.Call(p, uintptr(unsafe.Pointer(&u[0])), uintptr(len(u)*2))
	procGlobalUnlock.Call(h)
	err = withClipboard(func() error {
		procEmptyClipboard.Call()
		if r, _, err := procSetClipboardData.Call(cfUnicodeText, h); r == 0 {
			return fmt.Errorf("set the clipboard: %w", err)
		}
		return nil // the system owns h now
	})
	if err != nil {
		procGlobalFree.Call(h)
		return fmt.Errorf("screen: clipboard: %w", err)
	}
	c.mu.Lock()
	c.ownSeq = clipSeq()
	c.mu.Unlock()
	return nil
}

// Request reads the clipboard now (the answer goes to onRead).
func (c *winClipboard) Request() {
	select {
	case c.request <- struct{}{}:
	default: // one is pending
	}
}

// Close stops watching. Text the technician put on the clipboard stays
// there (Windows keeps clipboard data after its owner goes).
func (c *winClipboard) Close() error {
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return nil
}
