package screen

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/screenrec"
	"github.com/tetherhq/tether/internal/wire"
)

// solidJPEG encodes a w×h tile of one colour.
func solidJPEG(t testing.TB, w, h int, c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func record(t testing.TB, f *wire.ScreenFrame) []byte {
	b, err := wire.ScreenAppendFrame(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCompositeIsThePicture: whatever the frames (a keyframe, then deltas
// of random grid tiles and some off-grid, overlapping ones), the
// composite's keyframe paints exactly the picture a viewer who saw every
// frame has, and carries the last frame's seq.
func TestCompositeIsThePicture(t *testing.T) {
	const W, H, T = 96, 64, 32
	r := rand.New(rand.NewPCG(1, 2))
	colour := func() color.RGBA { return color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255} }
	var c composite
	var live screenrec.Canvas
	seq := uint32(0)
	push := func(f *wire.ScreenFrame) {
		f.Seq, f.Width, f.Height = seq, W, H
		seq++
		rec := record(t, f)
		pf, err := wire.ScreenParseFrame(rec)
		if err != nil {
			t.Fatal(err)
		}
		c.apply(pf)
		if err := live.Apply(rec); err != nil {
			t.Fatal(err)
		}
	}
	key := &wire.ScreenFrame{Key: true}
	for y := 0; y < H; y += T {
		for x := 0; x < W; x += T {
			key.Tiles = append(key.Tiles, wire.ScreenTile{X: uint16(x), Y: uint16(y), W: T, H: T, Quality: 90, JPEG: solidJPEG(t, T, T, colour())})
		}
	}
	push(key)
	for i := 0; i < 40; i++ {
		f := &wire.ScreenFrame{}
		for n := 1 + r.IntN(3); n > 0; n-- {
			x, y, w, h := r.IntN(W/T)*T, r.IntN(H/T)*T, T, T
			if r.IntN(4) == 0 { // off the grid, overlapping cells
				w, h = 8+r.IntN(24), 8+r.IntN(24)
				x, y = r.IntN(W-w), r.IntN(H-h)
			}
			f.Tiles = append(f.Tiles, wire.ScreenTile{X: uint16(x), Y: uint16(y), W: uint16(w), H: uint16(h), Quality: 90, JPEG: solidJPEG(t, w, h, colour())})
		}
		push(f)
		kf := c.keyframe()
		if kf == nil {
			t.Fatalf("frame %d: no composite", i)
		}
		pf, err := wire.ScreenParseFrame(kf)
		if err != nil || !pf.Key || pf.Seq != seq-1 {
			t.Fatalf("frame %d: composite %+v, %v; want keyframe %d", i, pf, err, seq-1)
		}
		var fresh screenrec.Canvas
		if err := fresh.Apply(kf); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh.Image().Pix, live.Image().Pix) {
			t.Fatalf("frame %d: the composite's picture differs from the live one", i)
		}
	}
}

// TestCompositeInvalid: no composite before a keyframe, after a delta of
// another size, or past a frame's tile limit; a keyframe makes it valid again.
func TestCompositeInvalid(t *testing.T) {
	j := solidJPEG(t, 8, 8, color.RGBA{1, 2, 3, 255})
	tile := func(x, y uint16) wire.ScreenTile {
		return wire.ScreenTile{X: x, Y: y, W: 8, H: 8, Quality: 50, JPEG: j}
	}
	apply := func(c *composite, f *wire.ScreenFrame) {
		pf, err := wire.ScreenParseFrame(record(t, f))
		if err != nil {
			t.Fatal(err)
		}
		c.apply(pf)
	}
	var c composite
	apply(&c, &wire.ScreenFrame{Seq: 1, Width: 16, Height: 8, Tiles: []wire.ScreenTile{tile(0, 0)}})
	if c.keyframe() != nil {
		t.Error("a composite from a delta alone")
	}
	apply(&c, &wire.ScreenFrame{Seq: 2, Width: 16, Height: 8, Key: true, Tiles: []wire.ScreenTile{tile(0, 0), tile(8, 0)}})
	if c.keyframe() == nil {
		t.Fatal("no composite after a keyframe")
	}
	apply(&c, &wire.ScreenFrame{Seq: 3, Width: 8, Height: 8, Tiles: []wire.ScreenTile{tile(0, 0)}})
	if c.keyframe() != nil {
		t.Error("a composite after a delta of another size")
	}
	apply(&c, &wire.ScreenFrame{Seq: 4, Width: 16, Height: 8, Key: true, Tiles: []wire.ScreenTile{tile(0, 0), tile(8, 0)}})
	// Off-grid tiles that replace nothing pile up (every sub-rectangle of
	// the 16×8 screen, 4896 of them): past a frame's tile limit the
	// composite gives up.
	var all []wire.ScreenTile
	for x := 0; x < 16; x++ {
		for w := 1; x+w <= 16; w++ {
			for y := 0; y < 8; y++ {
				for h := 1; y+h <= 8; h++ {
					all = append(all, wire.ScreenTile{X: uint16(x), Y: uint16(y), W: uint16(w), H: uint16(h), Quality: 50, JPEG: j})
				}
			}
		}
	}
	for i := 0; c.valid && i < len(all); i += 64 {
		apply(&c, &wire.ScreenFrame{Seq: uint32(5 + i), Width: 16, Height: 8, Tiles: all[i:min(i+64, len(all))]})
	}
	if c.valid || c.keyframe() != nil {
		t.Errorf("composite of %d tiles still valid", len(c.tiles))
	}
}
