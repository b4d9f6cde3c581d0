//go:build linux

package screen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"os"
	"strings"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// x11Capturer captures the root window of the default screen of an X display.
type x11Capturer struct {
	conn   *xgb.Conn
	root   xproto.Window
	w, h   int
	msb    bool       // server sends pixels most significant byte first (XRGB, not BGRX)
	shm    *shmBuffer // nil: plain GetImage
	closed bool
}

// Open connects to an X display ("" = $DISPLAY) and returns a Capturer of
// its default screen. It uses MIT-SHM when the server is on this machine and
// offers the extension, and plain GetImage otherwise. Only 24/32-bit
// TrueColor screens (32 bits per pixel) are supported.
func Open(display string) (Capturer, error) {
	return openX11(display, true)
}

func openX11(display string, trySHM bool) (*x11Capturer, error) {
	conn, err := dialX(display)
	if err != nil {
		return nil, err
	}
	c, err := newX11Capturer(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if trySHM && localDisplay(displayName(display)) {
		// Failure is not an error: GetImage still works, only slower.
		c.shm, _ = newSHMBuffer(conn, c.root, c.w, c.h)
	}
	return c, nil
}

func dialX(display string) (*xgb.Conn, error) {
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("screen: connect to X display %q: %w", displayName(display), err)
	}
	return conn, nil
}

func newX11Capturer(conn *xgb.Conn) (*x11Capturer, error) {
	setup := xproto.Setup(conn)
	scr := setup.DefaultScreen(conn)
	bpp := 0
	for _, f := range setup.PixmapFormats {
		if f.Depth == scr.RootDepth {
			bpp = int(f.BitsPerPixel)
		}
	}
	if bpp != 32 || (scr.RootDepth != 24 && scr.RootDepth != 32) {
		return nil, fmt.Errorf("screen: unsupported X pixel format (depth %d, %d bits per pixel)", scr.RootDepth, bpp)
	}
	for _, d := range scr.AllowedDepths {
		for _, v := range d.Visuals {
			if v.VisualId == scr.RootVisual && (v.RedMask != 0xff0000 || v.GreenMask != 0xff00 || v.BlueMask != 0xff) {
				return nil, fmt.Errorf("screen: unsupported X visual (masks %#x %#x %#x)", v.RedMask, v.GreenMask, v.BlueMask)
			}
		}
	}
	return &x11Capturer{
		conn: conn,
		root: scr.Root,
		w:    int(scr.WidthInPixels),
		h:    int(scr.HeightInPixels),
		msb:  setup.ImageByteOrder == xproto.ImageOrderMSBFirst,
	}, nil
}

// displayName resolves "" to $DISPLAY.
func displayName(display string) string {
	if display == "" {
		return os.Getenv("DISPLAY")
	}
	return display
}

// localDisplay reports whether the display is reached through a local socket,
// which is when the server can share memory with us.
func localDisplay(display string) bool {
	if strings.HasPrefix(display, "/") {
		return true
	}
	i := strings.LastIndex(display, ":")
	if i < 0 {
		return false
	}
	host := display[:i]
	return host == "" || host == "unix"
}

func (c *x11Capturer) Size() (int, int) { return c.w, c.h }

// usesSHM reports whether captures go through shared memory.
func (c *x11Capturer) usesSHM() bool { return c.shm != nil }

func (c *x11Capturer) Capture(dst *image.RGBA) error {
	if c.closed {
		return errors.New("screen: capture: capturer closed")
	}
	if dst.Rect != image.Rect(0, 0, c.w, c.h) {
		return fmt.Errorf("screen: capture: destination is %v, screen is %dx%d", dst.Rect, c.w, c.h)
	}
	var src []byte
	if c.shm != nil {
		b, err := c.shm.capture()
		if err != nil {
			return err
		}
		src = b
	} else {
		reply, err := xproto.GetImage(c.conn, xproto.ImageFormatZPixmap, xproto.Drawable(c.root),
			0, 0, uint16(c.w), uint16(c.h), 0xffffffff).Reply()
		if err != nil {
			return fmt.Errorf("screen: capture: GetImage: %w", err)
		}
		src = reply.Data
	}
	if len(src) < c.w*c.h*4 {
		return fmt.Errorf("screen: capture: got %d bytes for a %dx%d screen", len(src), c.w, c.h)
	}
	for y := 0; y < c.h; y++ {
		convertRow(dst.Pix[y*dst.Stride:y*dst.Stride+c.w*4], src[y*c.w*4:(y+1)*c.w*4], c.msb)
	}
	return nil
}

// convertRow turns one row of 32-bit X pixels (B,G,R,X in memory when the
// server is LSB first, X,R,G,B when MSB first) into R,G,B,255.
func convertRow(dst, src []byte, msb bool) {
	le := binary.LittleEndian
	for i := 0; i+4 <= len(src) && i+4 <= len(dst); i += 4 {
		v := le.Uint32(src[i:])
		if msb {
			v = v>>24 | (v>>8)&0xff00 | (v<<8)&0xff0000 | v<<24
		}
		// v = 0xXXRRGGBB; want bytes R,G,B,FF = 0xFFBBGGRR little-endian.
		le.PutUint32(dst[i:], 0xff000000|(v>>16)&0xff|v&0xff00|(v&0xff)<<16)
	}
}

func (c *x11Capturer) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	var err error
	if c.shm != nil {
		err = c.shm.close()
	}
	c.conn.Close()
	return err
}
