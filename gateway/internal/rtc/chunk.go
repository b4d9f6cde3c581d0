package rtc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Chunks of a data-channel message. An SCTP message above 64 KiB is not
// safe across browsers, and frame records reach 8 MiB, so every record
// travels as one or more chunks, each one data-channel message:
//
//	offset  size  field
//	0       4     msg: message number, +1 per record sent to this viewer
//	4       2     index of this chunk, from 0
//	6       2     count of chunks in the message (1..MaxChunks)
//	8       …     a slice of the record (at most ChunkPayload bytes)
//
// The receiver concatenates chunks 0..count-1 of one msg. The channel is
// unordered and unreliable: a message whose chunks do not all arrive is
// dropped (the viewer then sees a gap in frame seq and asks for a keyframe),
// and a partial message older than one that completes is discarded.
const (
	ChunkHeader  = 8
	ChunkPayload = 60 << 10 // 60 KiB + header stays under 64 KiB
	MaxChunks    = 1024     // 60 MiB, far above wire.ScreenMaxFrame
)

// Chunk splits rec into chunk messages numbered msg. Each returned slice is
// a new buffer.
func Chunk(msg uint32, rec []byte) ([][]byte, error) {
	n := (len(rec) + ChunkPayload - 1) / ChunkPayload
	if n == 0 {
		n = 1
	}
	if n > MaxChunks {
		return nil, fmt.Errorf("rtc: message of %d bytes needs %d chunks (max %d)", len(rec), n, MaxChunks)
	}
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		part := rec[i*ChunkPayload : min((i+1)*ChunkPayload, len(rec))]
		b := make([]byte, ChunkHeader, ChunkHeader+len(part))
		binary.BigEndian.PutUint32(b, msg)
		binary.BigEndian.PutUint16(b[4:], uint16(i))
		binary.BigEndian.PutUint16(b[6:], uint16(n))
		out = append(out, append(b, part...))
	}
	return out, nil
}

// Reassembler puts chunks back together on the receiving side. It holds at
// most one partial message per msg number and gives up on partial messages
// older than the newest complete one. Not safe for concurrent use.
type Reassembler struct {
	// MaxBytes bounds a message; default 8 MiB + a chunk.
	MaxBytes int

	parts   map[uint32]*partial
	lastMsg uint32
	any     bool
}

type partial struct {
	got   int
	count int
	size  int
	data  [][]byte
}

// Add takes one chunk message and returns the whole message when it is the
// last missing chunk, else nil.
func (r *Reassembler) Add(chunk []byte) ([]byte, error) {
	if len(chunk) < ChunkHeader {
		return nil, errors.New("rtc: chunk shorter than its header")
	}
	if r.MaxBytes <= 0 {
		r.MaxBytes = 8<<20 + ChunkPayload
	}
	msg := binary.BigEndian.Uint32(chunk)
	idx := int(binary.BigEndian.Uint16(chunk[4:]))
	count := int(binary.BigEndian.Uint16(chunk[6:]))
	body := chunk[ChunkHeader:]
	if count < 1 || count > MaxChunks || idx >= count || len(body) > ChunkPayload {
		return nil, fmt.Errorf("rtc: bad chunk %d/%d of %d bytes", idx, count, len(body))
	}
	if r.any && int32(msg-r.lastMsg) <= 0 {
		return nil, nil // older than a message already delivered
	}
	if count == 1 {
		r.done(msg)
		return append([]byte(nil), body...), nil
	}
	if r.parts == nil {
		r.parts = map[uint32]*partial{}
	}
	p := r.parts[msg]
	if p == nil {
		if len(r.parts) >= 8 { // a lossy link: forget the oldest partials
			for k := range r.parts {
				delete(r.parts, k)
			}
		}
		p = &partial{count: count, data: make([][]byte, count)}
		r.parts[msg] = p
	}
	if p.count != count {
		return nil, fmt.Errorf("rtc: chunk count of message %d changed", msg)
	}
	if p.data[idx] != nil {
		return nil, nil // duplicate
	}
	if p.size += len(body); p.size > r.MaxBytes {
		delete(r.parts, msg)
		return nil, fmt.Errorf("rtc: message %d larger than %d bytes", msg, r.MaxBytes)
	}
	p.data[idx] = append([]byte(nil), body...)
	if p.got++; p.got < p.count {
		return nil, nil
	}
	out := make([]byte, 0, p.size)
	for _, d := range p.data {
		out = append(out, d...)
	}
	r.done(msg)
	return out, nil
}

// done records msg as delivered and drops older partial messages.
func (r *Reassembler) done(msg uint32) {
	r.lastMsg, r.any = msg, true
	for k := range r.parts {
		if int32(k-msg) <= 0 {
			delete(r.parts, k)
		}
	}
}
