package screen

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/tetherhq/tether/internal/wire"
)

// changedTiles returns the tiles (size×size, smaller at the right and bottom
// edges) where a and b differ, row by row in screen order. a and b have the
// same bounds, starting at (0,0). The comparison walks each row once, so it
// stays in cache, and skips the rest of a tile's row segments once the tile
// is known to have changed.
func changedTiles(a, b *image.RGBA, size int) []image.Rectangle {
	w, h := a.Rect.Dx(), a.Rect.Dy()
	cols := (w + size - 1) / size
	changed := make([]bool, cols)
	var out []image.Rectangle
	for ty := 0; ty < h; ty += size {
		clear(changed)
		y1 := min(ty+size, h)
		for y := ty; y < y1; y++ {
			ra := a.Pix[y*a.Stride : y*a.Stride+w*4]
			rb := b.Pix[y*b.Stride : y*b.Stride+w*4]
			for c := range cols {
				if changed[c] {
					continue
				}
				x0, x1 := c*size*4, min((c+1)*size, w)*4
				if !bytes.Equal(ra[x0:x1], rb[x0:x1]) {
					changed[c] = true
				}
			}
		}
		for c, ch := range changed {
			if ch {
				out = append(out, image.Rect(c*size, ty, min((c+1)*size, w), y1))
			}
		}
	}
	return out
}

// allTiles returns every tile of a w×h screen.
func allTiles(w, h, size int) []image.Rectangle {
	var out []image.Rectangle
	for y := 0; y < h; y += size {
		for x := 0; x < w; x += size {
			out = append(out, image.Rect(x, y, min(x+size, w), min(y+size, h)))
		}
	}
	return out
}

// encodeTiles JPEG-encodes the rectangles of img at quality q, using at most
// GOMAXPROCS goroutines, all finished when it returns.
func encodeTiles(img *image.RGBA, rects []image.Rectangle, q int) ([]wire.ScreenTile, error) {
	tiles := make([]wire.ScreenTile, len(rects))
	errs := make([]error, len(rects))
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(rects))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for {
				i := int(next.Add(1) - 1)
				if i >= len(rects) {
					return
				}
				r := rects[i]
				buf.Reset()
				if err := jpeg.Encode(&buf, img.SubImage(r), &jpeg.Options{Quality: q}); err != nil {
					errs[i] = fmt.Errorf("screen: encode tile %v: %w", r, err)
					continue
				}
				tiles[i] = wire.ScreenTile{
					X: uint16(r.Min.X), Y: uint16(r.Min.Y), W: uint16(r.Dx()), H: uint16(r.Dy()),
					Quality: uint8(q), JPEG: bytes.Clone(buf.Bytes()),
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return tiles, nil
}
