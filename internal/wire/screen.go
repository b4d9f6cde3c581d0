package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Screen sharing over the tether-screen channel (ChannelScreen).
//
//	gateway                                         client
//	  │ ◄── hello  {"width","height","display","can_control", │ first, and again
//	  │             "monitors","monitor"}                     │ after a monitor switch
//	  │ ◄── frame  (binary, below) ─────────────────────────  │ keyframe first, then
//	  │ ◄── frame  ...                                        │ only changed tiles
//	  │ ── control {"type":"keyframe"|"quality"|"pause"|      │ any time
//	  │             "resume"|"input"|"monitor", ...} ─────►   │
//
// Every message, both ways, is one record. All integers are big-endian
// (network order): a TypeScript viewer reads them with DataView's default.
//
//	offset  size  field
//	0       4     length L: bytes that follow this field (type + body)
//	4       1     type: 1 = frame, 2 = hello, 3 = control, 4 = clipboard (screenclip.go)
//	5       L-1   body
//
// Hello and control bodies are one JSON object (ScreenHello, ScreenControl).
// A frame body is binary:
//
//	offset  size  field
//	5       1     flags: bit 0 = keyframe (every tile of the screen follows); other bits 0
//	6       4     seq: frame number, +1 per frame sent, from 0
//	10      8     time_ms: milliseconds since the capture started
//	18      2     width of the screen in pixels (1..16384)
//	20      2     height of the screen in pixels (1..16384)
//	22      2     n: number of tiles (0..4096)
//	24      ...   n tiles, each:
//	              +0  2  x      left edge of the tile
//	              +2  2  y      top edge
//	              +4  2  w      width  (x+w <= width)
//	              +6  2  h      height (y+h <= height)
//	              +8  1  quality JPEG quality used (1..100)
//	              +9  4  m      length of the JPEG
//	              +13 m  JPEG   a baseline JPEG of exactly w×h pixels (starts FF D8)
//
// A viewer paints each tile at (x, y); tiles absent from a frame did not
// change. A keyframe repaints the whole screen, so playback can start at any
// keyframe. The gateway forwards the frame record unchanged (length prefix
// included) as one WebRTC data-channel message and appends it to the screen
// recording behind its own timestamp.

// Record types of the tether-screen channel.
const (
	ScreenMsgFrame   byte = 1 // client → gateway: a ScreenFrame
	ScreenMsgHello   byte = 2 // client → gateway: a ScreenHello, first record
	ScreenMsgControl byte = 3 // gateway → client: a ScreenControl
)

// Limits on screen records. Everything read from the channel is checked
// against them.
const (
	ScreenMaxFrame     = 8 << 20 // bytes of one frame record, length prefix included
	ScreenMaxTiles     = 4096    // tiles in one frame
	ScreenMaxDimension = 16384   // width and height, in pixels
	ScreenMaxJSON      = 4 << 10 // bytes of a hello or control record
	ScreenMaxKeyLen    = 32      // bytes of ScreenInput.Key
	screenHeaderLen    = 24      // frame record up to the first tile
	screenTileHeader   = 13      // tile fields before the JPEG
	screenFlagKey      = 1 << 0
)

// ScreenFrame is one update of the screen: the tiles that changed since the
// previous frame, or all of them when Key is set.
type ScreenFrame struct {
	Seq    uint32
	TimeMS uint64 // milliseconds since capture start
	Width  uint16
	Height uint16
	Key    bool // keyframe: Tiles cover the whole screen
	Tiles  []ScreenTile
}

// ScreenTile is one JPEG-encoded rectangle of the screen.
type ScreenTile struct {
	X, Y, W, H uint16
	Quality    uint8
	JPEG       []byte
}

// Size returns the length of f's record in bytes, length prefix included.
func (f *ScreenFrame) Size() int {
	n := screenHeaderLen
	for i := range f.Tiles {
		n += screenTileHeader + len(f.Tiles[i].JPEG)
	}
	return n
}

func (f *ScreenFrame) validate() error {
	if f.Width == 0 || f.Height == 0 || f.Width > ScreenMaxDimension || f.Height > ScreenMaxDimension {
		return fmt.Errorf("screen size %dx%d out of range (1..%d)", f.Width, f.Height, ScreenMaxDimension)
	}
	if len(f.Tiles) > ScreenMaxTiles {
		return fmt.Errorf("%d tiles in a frame (max %d)", len(f.Tiles), ScreenMaxTiles)
	}
	for i, t := range f.Tiles {
		if t.W == 0 || t.H == 0 || int(t.X)+int(t.W) > int(f.Width) || int(t.Y)+int(t.H) > int(f.Height) {
			return fmt.Errorf("tile %d (%d,%d %dx%d) outside the %dx%d screen", i, t.X, t.Y, t.W, t.H, f.Width, f.Height)
		}
		if t.Quality == 0 || t.Quality > 100 {
			return fmt.Errorf("tile %d: quality %d out of range (1..100)", i, t.Quality)
		}
		if len(t.JPEG) < 2 || t.JPEG[0] != 0xFF || t.JPEG[1] != 0xD8 {
			return fmt.Errorf("tile %d: not a JPEG", i)
		}
	}
	return nil
}

// ScreenAppendFrame appends f's record to dst.
func ScreenAppendFrame(dst []byte, f *ScreenFrame) ([]byte, error) {
	if err := f.validate(); err != nil {
		return dst, fmt.Errorf("screen frame: %w", err)
	}
	size := f.Size()
	if size > ScreenMaxFrame {
		return dst, fmt.Errorf("screen frame: %d bytes (max %d)", size, ScreenMaxFrame)
	}
	var flags byte
	if f.Key {
		flags |= screenFlagKey
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(size-4))
	dst = append(dst, ScreenMsgFrame, flags)
	dst = binary.BigEndian.AppendUint32(dst, f.Seq)
	dst = binary.BigEndian.AppendUint64(dst, f.TimeMS)
	dst = binary.BigEndian.AppendUint16(dst, f.Width)
	dst = binary.BigEndian.AppendUint16(dst, f.Height)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(f.Tiles)))
	for _, t := range f.Tiles {
		dst = binary.BigEndian.AppendUint16(dst, t.X)
		dst = binary.BigEndian.AppendUint16(dst, t.Y)
		dst = binary.BigEndian.AppendUint16(dst, t.W)
		dst = binary.BigEndian.AppendUint16(dst, t.H)
		dst = append(dst, t.Quality)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(t.JPEG)))
		dst = append(dst, t.JPEG...)
	}
	return dst, nil
}

// ScreenEncodeFrame writes f as one record in a single Write.
func ScreenEncodeFrame(w io.Writer, f *ScreenFrame) error {
	b, err := ScreenAppendFrame(make([]byte, 0, f.Size()), f)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("screen frame: write: %w", err)
	}
	return nil
}

// ScreenReadRecord reads one whole record (length prefix included) of at most
// max bytes and returns it with its type. max <= 0 means ScreenMaxFrame. A
// clean end of stream before the first byte returns io.EOF.
func ScreenReadRecord(r io.Reader, max int) (typ byte, rec []byte, err error) {
	if max <= 0 || max > ScreenMaxFrame {
		max = ScreenMaxFrame
	}
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		return 0, nil, fmt.Errorf("screen record: read length: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n < 1 || int64(n)+4 > int64(max) {
		return 0, nil, fmt.Errorf("screen record: length %d out of range (1..%d)", n, max-4)
	}
	rec = make([]byte, 4+int(n))
	copy(rec, hdr[:4])
	if _, err := io.ReadFull(r, rec[4:]); err != nil {
		return 0, nil, fmt.Errorf("screen record: read body: %w", noEOF(err))
	}
	return rec[4], rec, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ScreenDecodeFrame reads one frame record of at most max bytes (max <= 0
// means ScreenMaxFrame) and validates it. Any other record type is an error.
func ScreenDecodeFrame(r io.Reader, max int) (*ScreenFrame, error) {
	_, rec, err := ScreenReadRecord(r, max)
	if err != nil {
		return nil, err
	}
	return ScreenParseFrame(rec)
}

// ScreenParseFrame decodes one whole frame record (length prefix included).
// The tiles' JPEG slices alias rec.
func ScreenParseFrame(rec []byte) (*ScreenFrame, error) {
	if len(rec) < screenHeaderLen || len(rec) > ScreenMaxFrame {
		return nil, fmt.Errorf("screen frame: %d bytes out of range (%d..%d)", len(rec), screenHeaderLen, ScreenMaxFrame)
	}
	be := binary.BigEndian
	if int(be.Uint32(rec))+4 != len(rec) {
		return nil, errors.New("screen frame: length prefix does not match the record")
	}
	if rec[4] != ScreenMsgFrame {
		return nil, fmt.Errorf("screen frame: record type %d is not a frame", rec[4])
	}
	flags := rec[5]
	if flags&^screenFlagKey != 0 {
		return nil, fmt.Errorf("screen frame: unknown flags %#x", flags)
	}
	f := &ScreenFrame{
		Key:    flags&screenFlagKey != 0,
		Seq:    be.Uint32(rec[6:]),
		TimeMS: be.Uint64(rec[10:]),
		Width:  be.Uint16(rec[18:]),
		Height: be.Uint16(rec[20:]),
	}
	n := int(be.Uint16(rec[22:]))
	if n > ScreenMaxTiles {
		return nil, fmt.Errorf("screen frame: %d tiles (max %d)", n, ScreenMaxTiles)
	}
	if n > (len(rec)-screenHeaderLen)/screenTileHeader {
		return nil, fmt.Errorf("screen frame: %d tiles do not fit in %d bytes", n, len(rec))
	}
	f.Tiles = make([]ScreenTile, n)
	p := rec[screenHeaderLen:]
	for i := range f.Tiles {
		if len(p) < screenTileHeader {
			return nil, fmt.Errorf("screen frame: tile %d truncated", i)
		}
		t := ScreenTile{X: be.Uint16(p), Y: be.Uint16(p[2:]), W: be.Uint16(p[4:]), H: be.Uint16(p[6:]), Quality: p[8]}
		m := be.Uint32(p[9:])
		p = p[screenTileHeader:]
		if uint64(m) > uint64(len(p)) {
			return nil, fmt.Errorf("screen frame: tile %d: JPEG of %d bytes, %d left", i, m, len(p))
		}
		t.JPEG, p = p[:m:m], p[m:]
		f.Tiles[i] = t
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("screen frame: %d trailing bytes", len(p))
	}
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("screen frame: %w", err)
	}
	return f, nil
}

// screenWriteJSON writes v as one record of type typ.
func screenWriteJSON(w io.Writer, typ byte, v any) error {
	return screenWriteJSONMax(w, typ, v, ScreenMaxJSON)
}

// screenWriteJSONMax is screenWriteJSON for records of at most max bytes.
func screenWriteJSONMax(w io.Writer, typ byte, v any, max int) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(body)+5 > max {
		return fmt.Errorf("%d bytes (max %d)", len(body)+5, max)
	}
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 5+len(body)), uint32(1+len(body)))
	b = append(b, typ)
	b = append(b, body...)
	_, err = w.Write(b)
	return err
}

// screenParseJSON decodes a whole JSON record of type want into v, refusing
// unknown fields and trailing data.
func screenParseJSON(rec []byte, want byte, v any) error {
	return screenParseJSONMax(rec, want, v, ScreenMaxJSON)
}

// screenParseJSONMax is screenParseJSON for records of at most max bytes.
func screenParseJSONMax(rec []byte, want byte, v any, max int) error {
	if len(rec) < 5 || len(rec) > max {
		return fmt.Errorf("%d bytes out of range (5..%d)", len(rec), max)
	}
	if int(binary.BigEndian.Uint32(rec))+4 != len(rec) {
		return errors.New("length prefix does not match the record")
	}
	if rec[4] != want {
		return fmt.Errorf("record type %d, want %d", rec[4], want)
	}
	dec := json.NewDecoder(bytes.NewReader(rec[5:]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// validScreenText reports whether s is short, valid UTF-8 without control characters.
func validScreenText(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ScreenHello is the client's first record: what is being shared. The
// client sends it again, before the first frame of the new size, each time
// it switches monitor (ScreenMonitorMsg); the gateway records it.
type ScreenHello struct {
	// Width and Height are the size of the streamed area: the whole screen,
	// or the chosen monitor.
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Display string `json:"display"` // e.g. ":0"; shown to the technician as text
	// CanControl is true when the user granted scope control and the client
	// can inject input; the viewer offers control only then.
	CanControl bool `json:"can_control"`
	// Clipboard is true when clipboard text can travel both ways too
	// (scope control granted and a clipboard this client can use).
	Clipboard bool `json:"clipboard,omitempty"`
	// Monitors are the monitors of the screen, in the client's order (X11:
	// RandR, else Xinerama; Windows: the display list). Empty means the
	// client knows only the whole screen. At most ScreenMaxMonitors.
	Monitors []ScreenMonitor `json:"monitors,omitempty"`
	// Monitor is the index into Monitors being streamed, or ScreenAllMonitors
	// (-1) for the whole screen. Without Monitors it must be -1 or 0, both
	// meaning the whole screen; the client then sends neither field (0 is
	// omitted), so its hello stays the one gateways before monitors accept.
	Monitor int `json:"monitor,omitempty"`
}

// ScreenMonitor is one monitor: a rectangle of the whole screen, in pixels
// from its top-left corner.
type ScreenMonitor struct {
	Name    string `json:"name"` // e.g. "DP-1"; text, at most ScreenMaxMonitorName bytes
	X       int    `json:"x"`
	Y       int    `json:"y"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Primary bool   `json:"primary,omitempty"`
}

// Monitor limits.
const (
	ScreenAllMonitors    = -1 // ScreenHello.Monitor and ScreenControl.Monitor: the whole screen
	ScreenMaxMonitors    = 16
	ScreenMaxMonitorName = 64
)

func (h *ScreenHello) validate() error {
	if h.Width < 1 || h.Height < 1 || h.Width > ScreenMaxDimension || h.Height > ScreenMaxDimension {
		return fmt.Errorf("screen size %dx%d out of range (1..%d)", h.Width, h.Height, ScreenMaxDimension)
	}
	if !validScreenText(h.Display, 128) {
		return errors.New("bad display name")
	}
	if len(h.Monitors) > ScreenMaxMonitors {
		return fmt.Errorf("%d monitors (max %d)", len(h.Monitors), ScreenMaxMonitors)
	}
	for i, m := range h.Monitors {
		if !validScreenText(m.Name, ScreenMaxMonitorName) {
			return fmt.Errorf("monitor %d: bad name", i)
		}
		if m.X < 0 || m.Y < 0 || m.Width < 1 || m.Height < 1 || m.X+m.Width > ScreenMaxDimension || m.Y+m.Height > ScreenMaxDimension {
			return fmt.Errorf("monitor %d: rectangle %d,%d %dx%d out of range", i, m.X, m.Y, m.Width, m.Height)
		}
	}
	switch {
	case len(h.Monitors) == 0:
		if h.Monitor != ScreenAllMonitors && h.Monitor != 0 {
			return fmt.Errorf("monitor %d without a monitor list", h.Monitor)
		}
	case h.Monitor == ScreenAllMonitors:
		// The whole screen is streamed: every monitor lies inside it.
		for i, m := range h.Monitors {
			if m.X+m.Width > h.Width || m.Y+m.Height > h.Height {
				return fmt.Errorf("monitor %d (%d,%d %dx%d) outside the %dx%d screen", i, m.X, m.Y, m.Width, m.Height, h.Width, h.Height)
			}
		}
	case h.Monitor < 0 || h.Monitor >= len(h.Monitors):
		return fmt.Errorf("monitor %d out of range (-1..%d)", h.Monitor, len(h.Monitors)-1)
	default:
		if m := h.Monitors[h.Monitor]; m.Width != h.Width || m.Height != h.Height {
			return fmt.Errorf("streamed size %dx%d is not monitor %d's %dx%d", h.Width, h.Height, h.Monitor, m.Width, m.Height)
		}
	}
	return nil
}

// ScreenParseHello decodes one whole hello record (length prefix included).
func ScreenParseHello(rec []byte) (*ScreenHello, error) {
	var h ScreenHello
	if err := screenParseJSON(rec, ScreenMsgHello, &h); err != nil {
		return nil, fmt.Errorf("screen hello: %w", err)
	}
	if err := h.validate(); err != nil {
		return nil, fmt.Errorf("screen hello: %w", err)
	}
	return &h, nil
}

// ScreenEncodeHello writes h as one record.
func ScreenEncodeHello(w io.Writer, h *ScreenHello) error {
	if err := h.validate(); err != nil {
		return fmt.Errorf("screen hello: %w", err)
	}
	if err := screenWriteJSON(w, ScreenMsgHello, h); err != nil {
		return fmt.Errorf("screen hello: %w", err)
	}
	return nil
}

// ScreenDecodeHello reads and validates one hello record.
func ScreenDecodeHello(r io.Reader) (*ScreenHello, error) {
	_, rec, err := ScreenReadRecord(r, ScreenMaxJSON)
	if err != nil {
		return nil, err
	}
	return ScreenParseHello(rec)
}

// ScreenControl types, sent by the gateway on behalf of a viewer.
const (
	ScreenKeyframe = "keyframe" // send a keyframe next
	ScreenQuality  = "quality"  // set the JPEG quality ceiling to Quality
	ScreenPause    = "pause"    // stop capturing until resume
	ScreenResume   = "resume"   // capture again, starting with a keyframe
	ScreenInputMsg = "input"    // inject Input; needs scope control
	// ScreenMonitorMsg streams Monitor: an index into the hello's Monitors,
	// or ScreenAllMonitors. The client answers with a new hello, then a
	// keyframe of the new size; it ignores an index it does not have.
	ScreenMonitorMsg = "monitor"
)

// ScreenQualityMin and ScreenQualityMax bound a requested JPEG quality.
const (
	ScreenQualityMin = 30
	ScreenQualityMax = 90
)

// ScreenControl is one viewer request.
type ScreenControl struct {
	Type    string       `json:"type"`
	Quality int          `json:"quality,omitempty"` // with ScreenQuality: 30..90
	Input   *ScreenInput `json:"input,omitempty"`   // with ScreenInputMsg
	Text    string       `json:"text,omitempty"`    // with ScreenClipboard: CheckClipboardText
	// Monitor, with ScreenMonitorMsg: -1 (all) or 0..ScreenMaxMonitors-1.
	// Always sent with that type (0 is a valid index).
	Monitor *int `json:"monitor,omitempty"`
}

// ScreenInput kinds.
const (
	ScreenMouseMove = "mousemove"
	ScreenMouseDown = "mousedown"
	ScreenMouseUp   = "mouseup"
	ScreenWheel     = "wheel"
	ScreenKeyDown   = "keydown"
	ScreenKeyUp     = "keyup"
)

// ScreenInput is one input event from the viewer, in screen pixels. The
// field meanings follow the DOM so the browser passes its events through.
type ScreenInput struct {
	Kind string `json:"kind"`
	// X, Y: pointer position in screen pixels (all mouse kinds; 0..16383).
	X int `json:"x"`
	Y int `json:"y"`
	// Button: DOM MouseEvent.button (0 left, 1 middle, 2 right, 3 back, 4 forward).
	Button int `json:"button,omitempty"`
	// Key: DOM KeyboardEvent.key ("a", "A", "Enter", "ArrowLeft", "Shift"...).
	Key string `json:"key,omitempty"`
	// DeltaY: DOM WheelEvent.deltaY in pixels; > 0 scrolls down. Each 100
	// (at least one, at most ten) is one wheel click.
	DeltaY int `json:"delta_y,omitempty"`
}

func (c *ScreenControl) validate() error {
	if c.Text != "" && c.Type != ScreenClipboard {
		return fmt.Errorf("%s control with text", c.Type)
	}
	switch c.Type {
	case ScreenClipboard:
		if err := CheckClipboardText(c.Text); err != nil {
			return err
		}
	case ScreenClipboardGet:
	case ScreenKeyframe, ScreenPause, ScreenResume:
	case ScreenQuality:
		if c.Quality < ScreenQualityMin || c.Quality > ScreenQualityMax {
			return fmt.Errorf("quality %d out of range (%d..%d)", c.Quality, ScreenQualityMin, ScreenQualityMax)
		}
	case ScreenInputMsg:
		if c.Input == nil {
			return errors.New("input control without input")
		}
		if c.Monitor != nil {
			return errors.New("input control with monitor")
		}
		return c.Input.validate()
	case ScreenMonitorMsg:
		if c.Monitor == nil {
			return errors.New("monitor control without monitor")
		}
		if *c.Monitor < ScreenAllMonitors || *c.Monitor >= ScreenMaxMonitors {
			return fmt.Errorf("monitor %d out of range (-1..%d)", *c.Monitor, ScreenMaxMonitors-1)
		}
		if c.Input != nil {
			return fmt.Errorf("%s control with input", c.Type)
		}
		return nil
	default:
		return fmt.Errorf("unknown control type %q", c.Type)
	}
	if c.Input != nil {
		return fmt.Errorf("%s control with input", c.Type)
	}
	if c.Monitor != nil {
		return fmt.Errorf("%s control with monitor", c.Type)
	}
	return nil
}

func (in *ScreenInput) validate() error {
	if in.X < 0 || in.Y < 0 || in.X >= ScreenMaxDimension || in.Y >= ScreenMaxDimension {
		return fmt.Errorf("input position %d,%d out of range", in.X, in.Y)
	}
	switch in.Kind {
	case ScreenMouseMove:
	case ScreenMouseDown, ScreenMouseUp:
		if in.Button < 0 || in.Button > 4 {
			return fmt.Errorf("mouse button %d out of range (0..4)", in.Button)
		}
	case ScreenWheel:
		if in.DeltaY == 0 || in.DeltaY < -100000 || in.DeltaY > 100000 {
			return fmt.Errorf("wheel delta %d out of range", in.DeltaY)
		}
	case ScreenKeyDown, ScreenKeyUp:
		if in.Key == "" || !validScreenText(in.Key, ScreenMaxKeyLen) {
			return errors.New("bad key name")
		}
	default:
		return fmt.Errorf("unknown input kind %q", in.Kind)
	}
	return nil
}

// ScreenEncodeControl writes c as one record.
func ScreenEncodeControl(w io.Writer, c *ScreenControl) error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("screen control: %w", err)
	}
	if err := screenWriteJSONMax(w, ScreenMsgControl, c, c.maxRecord()); err != nil {
		return fmt.Errorf("screen control: %w", err)
	}
	return nil
}

// ScreenDecodeControl reads and validates one control record.
// A clean end of stream returns io.EOF.
func ScreenDecodeControl(r io.Reader) (*ScreenControl, error) {
	_, rec, err := ScreenReadRecord(r, ScreenMaxControl)
	if err != nil {
		return nil, err
	}
	return ScreenParseControl(rec)
}

// ScreenParseControl decodes one whole control record (length prefix included).
func ScreenParseControl(rec []byte) (*ScreenControl, error) {
	var c ScreenControl
	if err := screenParseJSONMax(rec, ScreenMsgControl, &c, ScreenMaxControl); err != nil {
		return nil, fmt.Errorf("screen control: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("screen control: %w", err)
	}
	if len(rec) > c.maxRecord() {
		return nil, fmt.Errorf("screen control: %d bytes (max %d)", len(rec), c.maxRecord())
	}
	return &c, nil
}

// maxRecord bounds c's record: only clipboard text may exceed ScreenMaxJSON.
func (c *ScreenControl) maxRecord() int {
	if c.Type == ScreenClipboard {
		return ScreenMaxControl
	}
	return ScreenMaxJSON
}
