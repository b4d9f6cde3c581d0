package screenrec

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary files to the reader and the index reader:
// they must return errors, never panic or allocate beyond the limits.
func FuzzReader(f *testing.F) {
	sink, _ := writeSample(&testing.T{}, nil)
	f.Add(sink.Bytes())
	f.Add(sink.Bytes()[:len(sink.Bytes())/2])
	f.Add([]byte(Magic + "\x00\x00\x00\x02{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		if rd, err := NewReader(bytes.NewReader(b)); err == nil {
			for i := 0; i < 10000; i++ {
				if _, err := rd.Next(); err != nil {
					if err != io.EOF && !errors.Is(err, ErrTruncated) && rd.Sealed {
						t.Fatalf("Sealed with error %v", err)
					}
					break
				}
			}
		}
		ReadIndex(bytes.NewReader(b), int64(len(b)))
		Scan(bytes.NewReader(b))
	})
}
