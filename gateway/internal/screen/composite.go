package screen

import (
	"cmp"
	"slices"

	"github.com/tetherhq/tether/internal/wire"
)

// composite is the current picture of a feed, as the tiles the client sent:
// the last keyframe with every later tile laid over it. From it the gateway
// makes a keyframe for a viewer that joins or lost frames at once, without
// asking the client (which encodes a whole screen for that, 70 ms on a
// 1080p desktop, and sends nothing while the screen is still).
//
// A tile that covers exactly the rectangle of an older one replaces it (the
// client's tiles are a fixed grid, so a composite holds at most one tile per
// cell); tiles are kept in arrival order so that partly overlapping ones
// paint as they did live. When the composite cannot be trusted (no keyframe
// yet, a delta of another size, more tiles or bytes than one frame may
// carry) it is invalid until the next keyframe, and viewers wait for the
// client's keyframe as before.
type composite struct {
	valid   bool
	width   uint16
	height  uint16
	seq     uint32 // of the last frame applied
	timeMS  uint64
	order   uint64 // arrival counter
	bytes   int    // record size a keyframe of the composite would have
	tiles   map[tileRect]*compTile
	lastKey []byte // cache: the keyframe made for seq, if any
}

type tileRect struct{ x, y, w, h uint16 }

type compTile struct {
	order   uint64
	quality uint8
	jpeg    []byte
}

// tileOverhead is a tile's header in a frame record.
const tileOverhead = 13

// headerLen is a frame record's header, length prefix included.
const headerLen = 24

// apply lays frame f (parsed from a record the client sent) over the
// composite. The JPEG bytes are copied: f aliases a record that viewers and
// the recording share.
func (c *composite) apply(f *wire.ScreenFrame) {
	c.lastKey = nil
	if f.Key {
		c.valid, c.width, c.height, c.order, c.bytes = true, f.Width, f.Height, 0, headerLen
		c.tiles = make(map[tileRect]*compTile, len(f.Tiles))
	} else if !c.valid || f.Width != c.width || f.Height != c.height {
		c.invalidate()
		return
	}
	c.seq, c.timeMS = f.Seq, f.TimeMS
	for _, t := range f.Tiles {
		r := tileRect{t.X, t.Y, t.W, t.H}
		if old := c.tiles[r]; old != nil {
			c.bytes -= tileOverhead + len(old.jpeg)
		}
		c.order++
		c.tiles[r] = &compTile{order: c.order, quality: t.Quality, jpeg: append([]byte(nil), t.JPEG...)}
		c.bytes += tileOverhead + len(t.JPEG)
	}
	if len(c.tiles) > wire.ScreenMaxTiles || c.bytes > wire.ScreenMaxFrame {
		c.invalidate()
	}
}

func (c *composite) invalidate() {
	c.valid, c.tiles, c.bytes, c.lastKey = false, nil, 0, nil
}

// keyframe returns a keyframe record of the composite (seq and time of the
// last frame applied, so the viewer's next delta follows it), or nil when
// the composite is invalid. The record is shared: callers must not change it.
func (c *composite) keyframe() []byte {
	if !c.valid || len(c.tiles) == 0 {
		return nil
	}
	if c.lastKey != nil {
		return c.lastKey
	}
	type ordered struct {
		r tileRect
		t *compTile
	}
	all := make([]ordered, 0, len(c.tiles))
	for r, t := range c.tiles {
		all = append(all, ordered{r, t})
	}
	slices.SortFunc(all, func(a, b ordered) int { return cmp.Compare(a.t.order, b.t.order) })
	f := &wire.ScreenFrame{Seq: c.seq, TimeMS: c.timeMS, Width: c.width, Height: c.height, Key: true, Tiles: make([]wire.ScreenTile, len(all))}
	for i, o := range all {
		f.Tiles[i] = wire.ScreenTile{X: o.r.x, Y: o.r.y, W: o.r.w, H: o.r.h, Quality: o.t.quality, JPEG: o.t.jpeg}
	}
	rec, err := wire.ScreenAppendFrame(make([]byte, 0, c.bytes), f)
	if err != nil { // cannot happen for tiles that parsed; be safe
		c.invalidate()
		return nil
	}
	c.lastKey = rec
	return rec
}
