package screenrec

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"

	"github.com/tetherhq/tether/internal/wire"
)

// Canvas replays frames into an image, the way a viewer paints them.
type Canvas struct {
	img *image.RGBA
}

// Image returns the current picture (nil before the first frame).
func (c *Canvas) Image() *image.RGBA { return c.img }

// Apply paints one frame record. A new screen size starts a new image.
func (c *Canvas) Apply(rec []byte) error {
	f, err := wire.ScreenParseFrame(rec)
	if err != nil {
		return err
	}
	return c.ApplyFrame(f)
}

// ApplyFrame paints a decoded frame.
func (c *Canvas) ApplyFrame(f *wire.ScreenFrame) error {
	r := image.Rect(0, 0, int(f.Width), int(f.Height))
	if c.img == nil || c.img.Rect != r {
		c.img = image.NewRGBA(r)
	}
	for i, t := range f.Tiles {
		im, err := jpeg.Decode(bytes.NewReader(t.JPEG))
		if err != nil {
			return fmt.Errorf("screenrec: tile %d: %w", i, err)
		}
		dst := image.Rect(int(t.X), int(t.Y), int(t.X+t.W), int(t.Y+t.H))
		draw.Draw(c.img, dst, im, im.Bounds().Min, draw.Src)
	}
	return nil
}
