package screen

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tetherhq/tether/gateway/internal/rtc"
	"github.com/tetherhq/tether/internal/wire"
)

// Screen signaling: text frames on GET /api/v1/sessions/{id}/screen (the
// api package upgrades it and passes it to View.Serve as a Conn), one
// JSON object each, {"type": ...}. Binary frames (gateway → viewer, only
// after "fallback") are frame records exactly as on the data channel but
// without chunk headers.
//
//	gateway → viewer                         viewer → gateway
//	hello     screen, rights, ICE servers    answer     SDP answer to the offer
//	offer     SDP offer (all candidates)     candidate  a trickled ICE candidate
//	fallback  frames now come over the WS    fallback   "WebRTC failed here, use the WS"
//	stats     counters, once a second        control    a wire.ScreenControl
//	error     a refused request (not fatal)  stats      the viewer's counters (logged)
//	monitor   the monitor streamed changed
const (
	sigHello     = "hello"
	sigOffer     = "offer"
	sigAnswer    = "answer"
	sigCandidate = "candidate"
	sigFallback  = "fallback"
	sigControl   = "control"
	sigStats     = "stats"
	sigError     = "error"
	// gateway → viewer: the user's clipboard text (clipboard.go)
	sigClipboard = "clipboard"
	sigMonitor   = "monitor"
)

// SignalMax bounds one signaling message (an SDP with candidates is a few KiB).
const SignalMax = 32 << 10

// SignalReadMax bounds a viewer's message: a control may carry clipboard
// text (wire.ScreenMaxControl); every other message stays within SignalMax.
const SignalReadMax = wire.ScreenMaxControl + 4<<10

// signalMsg is one signaling message, either way. Fields are used by
// the types named in their comments.
type signalMsg struct {
	Type string `json:"type"`
	// offer, answer
	SDP string `json:"sdp,omitempty"`
	// candidate
	Candidate *rtc.Candidate `json:"candidate,omitempty"`
	// control: a wire.ScreenControl object, checked by wire.ScreenParseControl
	Control json.RawMessage `json:"control,omitempty"`
	// fallback, error
	Reason string `json:"reason,omitempty"`
	// hello
	Hello *helloJSON `json:"hello,omitempty"`
	// stats
	Stats *statsJSON `json:"stats,omitempty"`
	// clipboard (gateway → viewer): the user's text, or only its Size
	// (with a Reason) when it was over the limit
	Text string `json:"text,omitempty"`
	Size int    `json:"size,omitempty"`
	// monitor (gateway → viewer only)
	Monitor *monitorJSON `json:"monitor,omitempty"`
}

// helloJSON tells the viewer what it is looking at and how to connect.
type helloJSON struct {
	Width       int             `json:"width"`
	Height      int             `json:"height"`
	Display     string          `json:"display"`
	CanControl  bool            `json:"can_control"` // the client can inject and the user, role and scopes allow it
	RecordingID string          `json:"recording_id"`
	Transport   string          `json:"transport"` // "webrtc" (an offer follows) or "websocket"
	ICEServers  []rtc.ICEServer `json:"ice_servers"`
	ChunkHeader int             `json:"chunk_header"` // bytes before the payload of a data-channel chunk
	Clipboard   bool            `json:"clipboard"`    // clipboard text both ways (with control; clipboard.go)
	// Monitors and Monitor: the client's monitors and the one streamed (-1:
	// all); the viewer offers a picker when there are two or more.
	Monitors []wire.ScreenMonitor `json:"monitors"`
	Monitor  int                  `json:"monitor"`
}

// statsJSON are counters for one viewer (or reported by it).
type statsJSON struct {
	Transport string  `json:"transport,omitempty"`
	Frames    int64   `json:"frames"`
	Bytes     int64   `json:"bytes"`
	Dropped   int64   `json:"dropped"`
	FPS       float64 `json:"fps,omitempty"`
}

// parseSignal decodes a viewer's message: size-bounded, unknown
// fields and types refused, fields checked for the type.
func parseSignal(b []byte) (*signalMsg, error) {
	if len(b) > SignalReadMax {
		return nil, fmt.Errorf("message of %d bytes (max %d)", len(b), SignalReadMax)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s signalMsg
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("bad message: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("bad message: data after the JSON object")
	}
	if s.Type != sigControl && len(b) > SignalMax {
		return nil, fmt.Errorf("message of %d bytes (max %d)", len(b), SignalMax)
	}
	switch s.Type {
	case sigAnswer:
		if s.SDP == "" {
			return nil, errors.New("answer without sdp")
		}
	case sigCandidate:
		if s.Candidate == nil || len(s.Candidate.Candidate) > 1024 {
			return nil, errors.New("candidate missing or too long")
		}
	case sigControl:
		if len(s.Control) == 0 {
			return nil, errors.New("control without control")
		}
	case sigFallback, sigStats:
	case sigMonitor:
		return nil, errors.New("monitor is sent by the gateway; switch with a control")
	default:
		return nil, fmt.Errorf("unknown message type %q", s.Type)
	}
	return &s, nil
}

// controlOf validates a control message with the wire package's rules
// (the same the client applies) and returns the control and its record.
func controlOf(raw json.RawMessage) (*wire.ScreenControl, error) {
	rec := binary.BigEndian.AppendUint32(make([]byte, 0, 5+len(raw)), uint32(1+len(raw)))
	rec = append(rec, wire.ScreenMsgControl)
	rec = append(rec, raw...)
	return wire.ScreenParseControl(rec)
}
