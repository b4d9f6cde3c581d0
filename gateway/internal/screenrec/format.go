package screenrec

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// Format constants.
const (
	Magic       = "TSREC01\n" // first 8 bytes of every file
	FooterMagic = "TSRINDEX"  // last 8 bytes of a sealed file
	Version     = 1

	// TypeIndex is the record type of the index entry (types 1 and 2 are
	// wire.ScreenMsgFrame and wire.ScreenMsgHello).
	TypeIndex byte = 4

	MaxHeader     = 4 << 10 // bytes of the JSON header
	MaxIndex      = 1 << 20 // keyframes in the index
	footerLen     = 16
	entryPrefix   = 8 // t_ms before each record
	indexEntryLen = 16
)

// Header describes a recording. It is the JSON object at the start of the file.
type Header struct {
	Version   int       `json:"version"`
	StartedAt time.Time `json:"started_at"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	Display   string    `json:"display,omitempty"`
	Title     string    `json:"title,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	SessionID string    `json:"session_id,omitempty"`
	TicketID  int64     `json:"ticket_id,omitempty"`
	// Monitors and Monitor are the client's monitor list and the one
	// streamed when the recording started (-1: the whole screen), as in
	// wire.ScreenHello; a switch later is a hello entry (type 2).
	Monitors []wire.ScreenMonitor `json:"monitors,omitempty"`
	Monitor  int                  `json:"monitor"`
}

func (h *Header) validate() error {
	if h.Version != Version {
		return fmt.Errorf("version %d not supported (want %d)", h.Version, Version)
	}
	if h.Width < 1 || h.Height < 1 || h.Width > 16384 || h.Height > 16384 {
		return fmt.Errorf("screen size %dx%d out of range", h.Width, h.Height)
	}
	return nil
}

func (h *Header) marshal() ([]byte, error) {
	b, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxHeader {
		return nil, errors.New("header too large")
	}
	return b, nil
}

// IndexEntry locates one keyframe.
type IndexEntry struct {
	TimeMS uint64 `json:"t"`   // since the recording started
	Offset int64  `json:"off"` // of the entry (its t_ms field) in the file
}

// Seal describes a closed recording.
type Seal struct {
	SHA256    [32]byte      // over the exact bytes of the file
	Size      int64         // bytes in the file
	Duration  time.Duration // from NewWriter to Close, by Clock
	Frames    int           // frame entries
	Keyframes int           // keyframe entries (= index length)
	Signature []byte        // Signer(SHA256), nil without a Signer
}

// ErrTruncated marks a file that ends inside an entry (a crash while
// writing); everything before that entry is valid.
var ErrTruncated = errors.New("screenrec: recording ends inside an entry")
