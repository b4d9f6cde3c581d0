package screenrec

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tetherhq/tether/internal/wire"
)

// Entry is one record of a recording.
type Entry struct {
	Offset int64  // of the entry in the file
	TimeMS uint64 // since the recording started
	Type   byte   // wire.ScreenMsgFrame, wire.ScreenMsgHello or TypeIndex
	Record []byte // the whole record, length prefix included
}

// Reader reads a recording entry by entry. It checks every size against the
// format's limits, so it is safe on untrusted files.
type Reader struct {
	Header Header
	// Index is the sealed index, set once Next has returned io.EOF after it.
	Index []IndexEntry
	// Sealed is true once Next has read the index and the footer.
	Sealed bool

	r    *bufio.Reader
	off  int64
	last uint64
	done bool
}

// NewReader reads and checks the file header.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var pre [12]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return nil, fmt.Errorf("screenrec: read header: %w", noEOF(err))
	}
	if string(pre[:8]) != Magic {
		return nil, errors.New("screenrec: not a screen recording (bad magic)")
	}
	n := binary.BigEndian.Uint32(pre[8:])
	if n < 2 || n > MaxHeader {
		return nil, fmt.Errorf("screenrec: header length %d out of range (2..%d)", n, MaxHeader)
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(br, js); err != nil {
		return nil, fmt.Errorf("screenrec: read header: %w", noEOF(err))
	}
	rd := &Reader{r: br, off: 12 + int64(n)}
	dec := json.NewDecoder(bytes.NewReader(js))
	if err := dec.Decode(&rd.Header); err != nil {
		return nil, fmt.Errorf("screenrec: header: %w", err)
	}
	if err := rd.Header.validate(); err != nil {
		return nil, fmt.Errorf("screenrec: header: %w", err)
	}
	return rd, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Next returns the next frame or hello entry. It returns io.EOF at the end
// of a sealed file (after the index) and at a clean end of an unsealed one,
// and an error wrapping ErrTruncated when the file stops inside an entry.
// Timestamps never go backwards.
func (r *Reader) Next() (*Entry, error) {
	if r.done {
		return nil, io.EOF
	}
	var pre [entryPrefix]byte
	n, err := io.ReadFull(r.r, pre[:])
	if err == io.EOF {
		r.done = true
		return nil, io.EOF
	}
	if err != nil {
		r.done = true
		return nil, fmt.Errorf("%w (at byte %d, %d bytes of a timestamp)", ErrTruncated, r.off, n)
	}
	e := &Entry{Offset: r.off, TimeMS: binary.BigEndian.Uint64(pre[:])}
	typ, rec, err := wire.ScreenReadRecord(r.r, wire.ScreenMaxFrame)
	if err != nil {
		r.done = true
		if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
			return nil, fmt.Errorf("%w (at byte %d)", ErrTruncated, r.off)
		}
		return nil, fmt.Errorf("screenrec: entry at byte %d: %w", r.off, err)
	}
	if e.TimeMS < r.last {
		r.done = true
		return nil, fmt.Errorf("screenrec: entry at byte %d goes back in time", r.off)
	}
	r.last = e.TimeMS
	r.off += entryPrefix + int64(len(rec))
	e.Type, e.Record = typ, rec
	switch typ {
	case wire.ScreenMsgFrame, wire.ScreenMsgHello:
		return e, nil
	case TypeIndex:
		r.done = true
		idx, err := parseIndex(rec, e.Offset)
		if err != nil {
			return nil, err
		}
		var foot [footerLen + 1]byte
		n, _ := io.ReadFull(r.r, foot[:])
		if n < footerLen {
			return nil, fmt.Errorf("%w (in the footer)", ErrTruncated)
		}
		if n != footerLen || string(foot[8:16]) != FooterMagic || int64(binary.BigEndian.Uint64(foot[:8])) != e.Offset {
			return nil, errors.New("screenrec: bad footer after the index")
		}
		r.Index, r.Sealed = idx, true
		return nil, io.EOF
	default:
		r.done = true
		return nil, fmt.Errorf("screenrec: entry at byte %d has unknown type %d", e.Offset, typ)
	}
}

// parseIndex decodes an index record found at offset at.
func parseIndex(rec []byte, at int64) ([]IndexEntry, error) {
	body := rec[5:]
	if len(body)%indexEntryLen != 0 || len(body)/indexEntryLen > MaxIndex {
		return nil, fmt.Errorf("screenrec: index of %d bytes is malformed", len(body))
	}
	out := make([]IndexEntry, 0, len(body)/indexEntryLen)
	for p := body; len(p) > 0; p = p[indexEntryLen:] {
		e := IndexEntry{TimeMS: binary.BigEndian.Uint64(p), Offset: int64(binary.BigEndian.Uint64(p[8:]))}
		if e.Offset < 12 || e.Offset >= at {
			return nil, fmt.Errorf("screenrec: index points at byte %d, outside the entries", e.Offset)
		}
		if k := len(out); k > 0 && (e.Offset <= out[k-1].Offset || e.TimeMS < out[k-1].TimeMS) {
			return nil, errors.New("screenrec: index is not in order")
		}
		out = append(out, e)
	}
	return out, nil
}

// ReadIndex reads the index of a sealed recording through its footer,
// without reading the frames. It returns an error for an unsealed file;
// Scan rebuilds the index of one.
func ReadIndex(ra io.ReaderAt, size int64) ([]IndexEntry, error) {
	if size < 12+footerLen {
		return nil, errors.New("screenrec: too short to have an index")
	}
	var foot [footerLen]byte
	if _, err := ra.ReadAt(foot[:], size-footerLen); err != nil {
		return nil, fmt.Errorf("screenrec: read footer: %w", err)
	}
	if string(foot[8:]) != FooterMagic {
		return nil, errors.New("screenrec: no index (the recording was not sealed)")
	}
	at := int64(binary.BigEndian.Uint64(foot[:8]))
	n := size - footerLen - at - entryPrefix
	if at < 12 || n < 5 || n > 5+MaxIndex*indexEntryLen {
		return nil, errors.New("screenrec: footer points outside the file")
	}
	rec := make([]byte, n)
	if _, err := ra.ReadAt(rec, at+entryPrefix); err != nil {
		return nil, fmt.Errorf("screenrec: read index: %w", err)
	}
	if int64(binary.BigEndian.Uint32(rec))+4 != n || rec[4] != TypeIndex {
		return nil, errors.New("screenrec: footer does not point at the index")
	}
	return parseIndex(rec, at)
}

// Scan reads a whole recording and returns its keyframe index, rebuilt from
// the frames (for an unsealed file) and the last whole entry's time. A
// truncated tail is not an error.
func Scan(r io.Reader) (idx []IndexEntry, lastMS uint64, err error) {
	rd, err := NewReader(r)
	if err != nil {
		return nil, 0, err
	}
	for {
		e, err := rd.Next()
		if err == io.EOF || errors.Is(err, ErrTruncated) {
			return idx, lastMS, nil
		}
		if err != nil {
			return idx, lastMS, err
		}
		lastMS = e.TimeMS
		if e.Type == wire.ScreenMsgFrame && len(e.Record) > 5 && e.Record[5]&1 != 0 {
			idx = append(idx, IndexEntry{TimeMS: e.TimeMS, Offset: e.Offset})
		}
	}
}
