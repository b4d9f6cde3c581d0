package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"

	"github.com/tetherhq/tether/gateway/internal/blob"
)

// Mem is an in-memory blob.Store shaped like an object store with a local
// spool: a blob exists for Open and Stat only once it is committed, and
// what survives a crash (Reopen) of a blob being written is what its last
// Sync made durable. It is for tests of code that uses a blob.Store.
type Mem struct {
	s *memState
}

type memState struct {
	mu         sync.Mutex
	gen        int // bumped by Reopen: writers of an older generation are dead
	blobs      map[string][]byte
	incomplete map[string]*memBlob
}

type memBlob struct {
	data   []byte
	synced int // how much of data Sync made durable
}

var _ blob.Store = (*Mem)(nil)

// NewMem returns an empty Mem.
func NewMem() *Mem {
	return &Mem{s: &memState{blobs: map[string][]byte{}, incomplete: map[string]*memBlob{}}}
}

// Reopen simulates a crash and a restart: it returns a Mem over the same
// storage in which every blob being written keeps only its synced prefix,
// and the Writers handed out before are dead (their calls fail).
func (m *Mem) Reopen() *Mem {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	m.s.gen++
	for _, b := range m.s.incomplete {
		b.data = b.data[:b.synced:b.synced]
	}
	return &Mem{s: m.s}
}

// check validates key (unless noKey) and ctx.
func check(ctx context.Context, op, key string) error {
	if key != noKey {
		if err := blob.ValidKey(key); err != nil {
			return fmt.Errorf("blobtest: %s: %w", op, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blobtest: %s %s: %w", op, key, err)
	}
	return nil
}

// Create starts blob key.
func (m *Mem) Create(ctx context.Context, key string) (blob.Writer, error) {
	if err := check(ctx, "create", key); err != nil {
		return nil, err
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	_, done := m.s.blobs[key]
	_, open := m.s.incomplete[key]
	if done || open {
		return nil, fmt.Errorf("blobtest: create %s: %w", key, fs.ErrExist)
	}
	b := &memBlob{}
	m.s.incomplete[key] = b
	return &memWriter{s: m.s, gen: m.s.gen, key: key, b: b}, nil
}

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }

// Open returns committed blob key.
func (m *Mem) Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, error) {
	if err := check(ctx, "open", key); err != nil {
		return nil, 0, err
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	data, ok := m.s.blobs[key]
	if !ok {
		return nil, 0, fmt.Errorf("blobtest: open %s: %w", key, fs.ErrNotExist)
	}
	return readSeekNopCloser{bytes.NewReader(data)}, int64(len(data)), nil
}

// Stat returns the size of committed blob key.
func (m *Mem) Stat(ctx context.Context, key string) (int64, error) {
	if err := check(ctx, "stat", key); err != nil {
		return 0, err
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	data, ok := m.s.blobs[key]
	if !ok {
		return 0, fmt.Errorf("blobtest: stat %s: %w", key, fs.ErrNotExist)
	}
	return int64(len(data)), nil
}

// Incomplete lists the blobs being written, sorted.
func (m *Mem) Incomplete(ctx context.Context) ([]string, error) {
	if err := check(ctx, "list incomplete", noKey); err != nil {
		return nil, err
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	var keys []string
	for k := range m.s.incomplete {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}

// Recover commits the synced prefix of blob key.
func (m *Mem) Recover(ctx context.Context, key string) (blob.Info, error) {
	if err := check(ctx, "recover", key); err != nil {
		return blob.Info{}, err
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if b, ok := m.s.incomplete[key]; ok {
		m.s.blobs[key] = slices.Clone(b.data[:b.synced])
		delete(m.s.incomplete, key)
	}
	data, ok := m.s.blobs[key]
	if !ok {
		return blob.Info{}, fmt.Errorf("blobtest: recover %s: %w", key, fs.ErrNotExist)
	}
	return blob.Info{Size: int64(len(data)), SHA256: sha256.Sum256(data)}, nil
}

type memWriter struct {
	s         *memState
	gen       int
	key       string
	b         *memBlob
	committed bool
	aborted   bool
}

// noKey tells check that the method takes no key; it is no valid key.
const noKey = "\x00none"

var errRestarted = errors.New("the store was reopened (a simulated crash)")

// usable returns why w cannot write; the caller holds s.mu.
func (w *memWriter) usable(op string) error {
	switch {
	case w.gen != w.s.gen:
		return fmt.Errorf("blobtest: %s %s: %w", op, w.key, errRestarted)
	case w.committed || w.aborted:
		return fmt.Errorf("blobtest: %s %s: %w", op, w.key, blob.ErrClosed)
	}
	return nil
}

func (w *memWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if err := w.usable("write"); err != nil {
		return 0, err
	}
	w.b.data = append(w.b.data, p...)
	return len(p), nil
}

func (w *memWriter) Sync() error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if err := w.usable("sync"); err != nil {
		return err
	}
	w.b.synced = len(w.b.data)
	return nil
}

func (w *memWriter) Commit(ctx context.Context) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if w.committed {
		return nil
	}
	if err := w.usable("commit"); err != nil {
		return err
	}
	if err := check(ctx, "commit", w.key); err != nil {
		return err
	}
	w.s.blobs[w.key] = w.b.data
	delete(w.s.incomplete, w.key)
	w.committed = true
	return nil
}

func (w *memWriter) Abort(ctx context.Context) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if w.committed || w.aborted {
		return nil
	}
	if err := w.usable("abort"); err != nil {
		return err
	}
	if err := check(ctx, "abort", w.key); err != nil {
		return err
	}
	delete(w.s.incomplete, w.key)
	w.aborted = true
	return nil
}
