package recorder

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

type discardSink struct{ io.Writer }

func (discardSink) Sync() error  { return nil }
func (discardSink) Close() error { return nil }

// BenchmarkCastOutput measures recording throughput for typical terminal
// output (text with escape sequences and some non-ASCII) in 4 KiB writes.
func BenchmarkCastOutput(b *testing.B) {
	var chunk bytes.Buffer
	for chunk.Len() < 4096-64 {
		chunk.WriteString("drwxr-xr-x  2 bob bob 4096 Nov 24 10:00 \x1b[01;34mdocuments\x1b[0m é€\r\n")
	}
	p := chunk.Bytes()
	for _, bc := range []struct {
		name string
		sink func(b *testing.B) Sink
	}{
		{"discard", func(*testing.B) Sink { return discardSink{io.Discard} }},
		{"file", func(b *testing.B) Sink {
			f, err := os.Create(filepath.Join(b.TempDir(), "bench.cast"))
			if err != nil {
				b.Fatal(err)
			}
			return f
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := NewCast(bc.sink(b), Header{Width: 80, Height: 24}, CastOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Output(p); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := c.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
