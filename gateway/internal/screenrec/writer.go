package screenrec

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// Sink is where a Writer puts the file (a blob writer through blob.CommitOnClose, or an *os.File).
type Sink interface {
	io.Writer
	Sync() error
	Close() error
}

// Options configure a Writer.
type Options struct {
	// Clock returns the time; default time.Now.
	Clock func() time.Time
	// Signer signs the seal's SHA-256 (Ed25519 in the gateway). Optional.
	Signer func(sum [32]byte) ([]byte, error)
	// SyncEvery bounds how long written entries may sit in the OS cache
	// before an fsync; default 1s. Every entry is written to the sink at
	// once (one Write), so a crashed gateway leaves whole entries.
	SyncEvery time.Duration
}

// Writer appends frame records to a recording. It is safe for concurrent use.
type Writer struct {
	opts  Options
	start time.Time

	mu       sync.Mutex
	sink     Sink
	h        hash.Hash
	size     int64
	frames   int
	index    []IndexEntry
	lastSync time.Time
	buf      []byte
	err      error
	closed   bool
	seal     Seal
	cerr     error
}

// NewWriter writes the file header to sink and returns the Writer. The
// header's Version and StartedAt are filled in.
func NewWriter(sink Sink, h Header, opts Options) (*Writer, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.SyncEvery <= 0 {
		opts.SyncEvery = time.Second
	}
	w := &Writer{opts: opts, start: opts.Clock(), sink: sink, h: sha256.New()}
	h.Version = Version
	h.StartedAt = w.start.UTC().Truncate(time.Millisecond)
	if err := h.validate(); err != nil {
		return nil, fmt.Errorf("screenrec: header: %w", err)
	}
	js, err := h.marshal()
	if err != nil {
		return nil, fmt.Errorf("screenrec: header: %w", err)
	}
	b := append([]byte(Magic), 0, 0, 0, 0)
	binary.BigEndian.PutUint32(b[len(Magic):], uint32(len(js)))
	b = append(b, js...)
	if err := w.write(b); err != nil {
		return nil, err
	}
	w.lastSync = w.start
	return w, nil
}

// write sends b to the sink and the hash; the caller holds mu (or owns w).
func (w *Writer) write(b []byte) error {
	n, err := w.sink.Write(b)
	w.h.Write(b[:n])
	w.size += int64(n)
	if err != nil {
		w.err = fmt.Errorf("screenrec: write: %w", err)
		return w.err
	}
	return nil
}

// Append adds one whole tether-screen record (length prefix included): a
// frame, or a hello when the screen size changes. Other records are refused.
// Keyframes go into the index. After a write error every call fails.
func (w *Writer) Append(rec []byte) error {
	if len(rec) < 5 || len(rec) > wire.ScreenMaxFrame || int(binary.BigEndian.Uint32(rec))+4 != len(rec) {
		return errors.New("screenrec: not a whole record")
	}
	typ := rec[4]
	if typ != wire.ScreenMsgFrame && typ != wire.ScreenMsgHello {
		return fmt.Errorf("screenrec: record type %d cannot be recorded", typ)
	}
	key := typ == wire.ScreenMsgFrame && len(rec) > 5 && rec[5]&1 != 0
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("screenrec: recording closed")
	}
	if w.err != nil {
		return w.err
	}
	now := w.opts.Clock()
	t := w.ms(now)
	off := w.size
	w.buf = binary.BigEndian.AppendUint64(w.buf[:0], t)
	w.buf = append(w.buf, rec...)
	if err := w.write(w.buf); err != nil {
		return err
	}
	if typ == wire.ScreenMsgFrame {
		w.frames++
		if key && len(w.index) < MaxIndex {
			w.index = append(w.index, IndexEntry{TimeMS: t, Offset: off})
		}
	}
	if now.Sub(w.lastSync) >= w.opts.SyncEvery {
		w.lastSync = now
		if err := w.sink.Sync(); err != nil {
			w.err = fmt.Errorf("screenrec: sync: %w", err)
			return w.err
		}
	}
	return nil
}

func (w *Writer) ms(now time.Time) uint64 {
	d := now.Sub(w.start)
	if d < 0 {
		return 0
	}
	return uint64(d / time.Millisecond)
}

// Close writes the index and the footer, syncs and closes the sink and
// returns the seal, which covers the bytes that reached the sink. When a
// write failed earlier, the index is not written and Close returns that
// error too. Close is idempotent.
func (w *Writer) Close() (Seal, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.seal, w.cerr
	}
	w.closed = true
	now := w.opts.Clock()
	if w.err == nil {
		off := w.size
		body := make([]byte, 0, entryPrefix+5+len(w.index)*indexEntryLen+footerLen)
		body = binary.BigEndian.AppendUint64(body, w.ms(now))
		body = binary.BigEndian.AppendUint32(body, uint32(1+len(w.index)*indexEntryLen))
		body = append(body, TypeIndex)
		for _, e := range w.index {
			body = binary.BigEndian.AppendUint64(body, e.TimeMS)
			body = binary.BigEndian.AppendUint64(body, uint64(e.Offset))
		}
		body = binary.BigEndian.AppendUint64(body, uint64(off))
		body = append(body, FooterMagic...)
		if w.write(body) == nil {
			if err := w.sink.Sync(); err != nil {
				w.err = fmt.Errorf("screenrec: sync: %w", err)
			}
		}
	}
	if err := w.sink.Close(); err != nil && w.err == nil {
		w.err = fmt.Errorf("screenrec: close: %w", err)
	}
	copy(w.seal.SHA256[:], w.h.Sum(nil))
	w.seal.Size = w.size
	w.seal.Duration = now.Sub(w.start)
	w.seal.Frames = w.frames
	w.seal.Keyframes = len(w.index)
	w.cerr = w.err
	if w.opts.Signer != nil {
		sig, err := w.opts.Signer(w.seal.SHA256)
		if err != nil {
			w.cerr = errors.Join(w.cerr, fmt.Errorf("screenrec: sign: %w", err))
		}
		w.seal.Signature = sig
	}
	return w.seal, w.cerr
}
