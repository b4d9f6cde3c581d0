package screenrec

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/internal/wire"
)

// fakeClock advances by step on every call.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { t := c.t; c.t = c.t.Add(c.step); return t }

func solidJPEG(t testing.TB, w, h int, c color.RGBA) []byte {
	t.Helper()
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

// frameRec builds a 128×64 frame: a keyframe paints both halves, a delta the left one.
func frameRec(t testing.TB, seq uint32, key bool, c color.RGBA) []byte {
	t.Helper()
	f := &wire.ScreenFrame{Seq: seq, TimeMS: uint64(seq) * 66, Width: 128, Height: 64, Key: key,
		Tiles: []wire.ScreenTile{{X: 0, Y: 0, W: 64, H: 64, Quality: 90, JPEG: solidJPEG(t, 64, 64, c)}}}
	if key {
		f.Tiles = append(f.Tiles, wire.ScreenTile{X: 64, Y: 0, W: 64, H: 64, Quality: 90, JPEG: solidJPEG(t, 64, 64, color.RGBA{0, 0, 255, 255})})
	}
	b, err := wire.ScreenAppendFrame(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type memSink struct {
	bytes.Buffer
	syncs  int
	closed bool
}

func (m *memSink) Sync() error  { m.syncs++; return nil }
func (m *memSink) Close() error { m.closed = true; return nil }

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
)

// writeSample records k, d, d, k, d (k = keyframe) 100 ms apart.
func writeSample(t *testing.T, signer func([32]byte) ([]byte, error)) (*memSink, Seal) {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), step: 100 * time.Millisecond}
	sink := &memSink{}
	w, err := NewWriter(sink, Header{Width: 128, Height: 64, Display: ":0", Title: "screen", SessionID: "s_1", TicketID: 7},
		Options{Clock: clk.now, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	for i, key := range []bool{true, false, false, true, false} {
		c := red
		if i%2 == 1 {
			c = green
		}
		if err := w.Append(frameRec(t, uint32(i), key, c)); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	seal, err := w.Close()
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !sink.closed {
		t.Error("sink not closed")
	}
	return sink, seal
}

func TestRoundTrip(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	sink, seal := writeSample(t, func(sum [32]byte) ([]byte, error) { return ed25519.Sign(priv, sum[:]), nil })
	file := sink.Bytes()
	if got, want := seal.SHA256, sha256.Sum256(file); got != want {
		t.Errorf("seal SHA-256 = %x, want %x", got, want)
	}
	if !ed25519.Verify(pub, seal.SHA256[:], seal.Signature) {
		t.Error("signature does not verify")
	}
	if seal.Size != int64(len(file)) || seal.Frames != 5 || seal.Keyframes != 2 {
		t.Errorf("seal = size %d frames %d keyframes %d, want %d 5 2", seal.Size, seal.Frames, seal.Keyframes, len(file))
	}

	rd, err := NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if rd.Header.Width != 128 || rd.Header.Display != ":0" || rd.Header.TicketID != 7 || rd.Header.Version != Version {
		t.Errorf("header = %+v", rd.Header)
	}
	var times []uint64
	var keyOffsets []IndexEntry
	var cv Canvas
	for {
		e, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		times = append(times, e.TimeMS)
		if e.Record[5]&1 != 0 {
			keyOffsets = append(keyOffsets, IndexEntry{TimeMS: e.TimeMS, Offset: e.Offset})
		}
		if err := cv.Apply(e.Record); err != nil {
			t.Fatal(err)
		}
	}
	// The clock ticks once for NewWriter, then once per Append.
	if diff := cmp.Diff([]uint64{100, 200, 300, 400, 500}, times); diff != "" {
		t.Errorf("times (-want +got):\n%s", diff)
	}
	if !rd.Sealed {
		t.Error("Sealed = false after reading a closed file")
	}
	if diff := cmp.Diff(keyOffsets, rd.Index); diff != "" {
		t.Errorf("index (-frames +index):\n%s", diff)
	}
	idx, err := ReadIndex(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatalf("ReadIndex: %v", err)
	}
	if diff := cmp.Diff(keyOffsets, idx); diff != "" {
		t.Errorf("ReadIndex (-frames +index):\n%s", diff)
	}
	// Last frame is a red delta on the left over the keyframe's blue right half.
	img := cv.Image()
	for _, p := range []struct {
		x, y int
		want color.RGBA
	}{{10, 10, red}, {100, 10, color.RGBA{0, 0, 255, 255}}} {
		if got := img.RGBAAt(p.x, p.y); !near(got, p.want) {
			t.Errorf("pixel %d,%d = %v, want about %v", p.x, p.y, got, p.want)
		}
	}
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) < 24 && d(a.G, b.G) < 24 && d(a.B, b.B) < 24
}

// TestCrashPrefix cuts a sealed file at every byte: the reader never fails
// with anything but ErrTruncated, and Scan finds the keyframes before the cut.
func TestCrashPrefix(t *testing.T) {
	sink, _ := writeSample(t, nil)
	file := sink.Bytes()
	full, _, err := Scan(bytes.NewReader(file))
	if err != nil || len(full) != 2 {
		t.Fatalf("Scan(full) = %v, %v; want 2 keyframes", full, err)
	}
	rd, _ := NewReader(bytes.NewReader(file))
	hdrEnd := rd.off
	for cut := int(hdrEnd); cut < len(file); cut++ {
		r, err := NewReader(bytes.NewReader(file[:cut]))
		if err != nil {
			t.Fatalf("cut %d: NewReader: %v", cut, err)
		}
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrTruncated) {
					t.Fatalf("cut %d: Next: %v, want ErrTruncated", cut, err)
				}
				break
			}
		}
		idx, _, err := Scan(bytes.NewReader(file[:cut]))
		if err != nil {
			t.Fatalf("cut %d: Scan: %v", cut, err)
		}
		for i, e := range idx {
			if e != full[i] {
				t.Fatalf("cut %d: keyframe %d = %+v, want %+v", cut, i, e, full[i])
			}
		}
		if _, err := ReadIndex(bytes.NewReader(file[:cut]), int64(cut)); err == nil {
			t.Fatalf("cut %d: ReadIndex found an index in a truncated file", cut)
		}
	}
}

func TestAppendRefusesOtherRecords(t *testing.T) {
	w, err := NewWriter(&memSink{}, Header{Width: 10, Height: 10}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ctl bytes.Buffer
	wire.ScreenEncodeControl(&ctl, &wire.ScreenControl{Type: wire.ScreenKeyframe})
	for name, rec := range map[string][]byte{
		"control":     ctl.Bytes(),
		"short":       {0, 0, 0, 1},
		"bad length":  {0, 0, 0, 9, 1, 0},
		"empty":       nil,
		"index forge": {0, 0, 0, 1, TypeIndex},
	} {
		if err := w.Append(rec); err == nil {
			t.Errorf("Append(%s) = nil, want an error", name)
		}
	}
}

// TestWriterOnFile writes to a real file, the way the blob store does.
func TestWriterOnFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.tsr")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(f, Header{Width: 128, Height: 64}, Options{SyncEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(frameRec(t, 0, true, red)); err != nil {
		t.Fatal(err)
	}
	// Before Close the entry is already in the file: a crash keeps it.
	b, _ := os.ReadFile(path)
	if idx, _, err := Scan(bytes.NewReader(b)); err != nil || len(idx) != 1 {
		t.Fatalf("before Close: Scan = %v, %v; want one keyframe", idx, err)
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	b, _ = os.ReadFile(path)
	if idx, err := ReadIndex(bytes.NewReader(b), int64(len(b))); err != nil || len(idx) != 1 {
		t.Fatalf("ReadIndex = %v, %v; want one keyframe", idx, err)
	}
}
