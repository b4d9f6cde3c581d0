package rtc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"
)

// Engine makes PeerConnections with the configured ICE settings.
type Engine struct {
	cfg Config
	api *webrtc.API
}

// New returns an Engine.
func New(cfg Config) (*Engine, error) {
	if err := cfg.checkAndSetDefaults(); err != nil {
		return nil, err
	}
	se, err := SettingEngine(cfg)
	if err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, api: webrtc.NewAPI(webrtc.WithSettingEngine(se))}, nil
}

// ConnectTimeout is how long a viewer has to open the data channel.
func (e *Engine) ConnectTimeout() time.Duration { return e.cfg.ConnectTimeout }

// ICEServers are the STUN/TURN servers a browser should use.
func (e *Engine) ICEServers() []ICEServer {
	var out []ICEServer
	for _, s := range e.cfg.iceServers() {
		c, _ := s.Credential.(string)
		out = append(out, ICEServer{URLs: s.URLs, Username: s.Username, Credential: c})
	}
	return out
}

// Label is the lossy data channel's label: delta frames.
const Label = "screen"

// KeyLabel is the reliable, ordered data channel's label: keyframes, which
// must arrive (a viewer without one shows nothing) and are rare.
const KeyLabel = "screen-key"

// MaxPacketLife is how long a frame's chunks may be retransmitted before
// SCTP gives up on them (the viewer then sees a gap and asks for a keyframe).
const MaxPacketLife = 300 * time.Millisecond

// MaxBuffered is how many bytes may wait in a data channel's send buffer
// before Send refuses frames (the viewer is slower than the screen).
const MaxBuffered = 4 << 20

// ErrBacklog means the viewer's data channel is too far behind.
var ErrBacklog = errors.New("rtc: data channel backlog")

// Peer is one viewer's PeerConnection and its two data channels.
type Peer struct {
	pc   *webrtc.PeerConnection
	dc   *webrtc.DataChannel // lossy: deltas
	kc   *webrtc.DataChannel // reliable: keyframes
	open chan struct{}
	dead chan struct{}

	mu        sync.Mutex
	msg, kmsg uint32
	drop      int // chunks still to drop (DropFirst)
	closed    bool
	opened    int // channels open
	once      sync.Once
	dOnce     sync.Once
}

// Offer creates a PeerConnection with an unordered, unreliable data
// channel and returns it with its offer SDP, complete with the gateway's
// candidates (no trickle from the gateway). ctx bounds the gathering.
func (e *Engine) Offer(ctx context.Context) (*Peer, string, error) {
	pc, err := e.api.NewPeerConnection(webrtc.Configuration{ICEServers: e.cfg.iceServers()})
	if err != nil {
		return nil, "", fmt.Errorf("rtc: new peer connection: %w", err)
	}
	p := &Peer{pc: pc, open: make(chan struct{}), dead: make(chan struct{})}
	// Unordered and partially reliable. Not maxRetransmits 0: pion v3.3.6's
	// SCTP marks such a chunk abandoned as soon as it is first sent, so a
	// frame fragmented into many DATA chunks is skipped by FORWARD-TSN before
	// Chromium has it all (measured: the browser received only the first
	// frame). A packet lifetime gives the same "never late, drop instead"
	// behaviour: a lost chunk is retransmitted for at most MaxPacketLife.
	ordered, life := false, uint16(MaxPacketLife/time.Millisecond)
	p.dc, err = pc.CreateDataChannel(Label, &webrtc.DataChannelInit{Ordered: &ordered, MaxPacketLifeTime: &life})
	if err != nil {
		pc.Close()
		return nil, "", fmt.Errorf("rtc: data channel: %w", err)
	}
	// Keyframes: reliable and ordered. A lost chunk of a 1 MB keyframe on
	// the lossy channel would leave a still screen black until it changes.
	p.kc, err = pc.CreateDataChannel(KeyLabel, nil)
	if err != nil {
		pc.Close()
		return nil, "", fmt.Errorf("rtc: data channel: %w", err)
	}
	for _, dc := range []*webrtc.DataChannel{p.dc, p.kc} {
		dc.OnOpen(p.channelOpen)
		dc.OnClose(p.died)
	}
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		e.cfg.Log.Debug("peer state", "state", s.String())
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			p.died()
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		pc.Close()
		return nil, "", fmt.Errorf("rtc: create offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		pc.Close()
		return nil, "", fmt.Errorf("rtc: set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		pc.Close()
		return nil, "", fmt.Errorf("rtc: gathering candidates: %w", context.Cause(ctx))
	}
	return p, pc.LocalDescription().SDP, nil
}

func (p *Peer) died() { p.dOnce.Do(func() { close(p.dead) }) }

// channelOpen counts open channels; Opened closes when both are.
func (p *Peer) channelOpen() {
	p.mu.Lock()
	p.opened++
	both := p.opened == 2
	p.mu.Unlock()
	if both {
		p.once.Do(func() { close(p.open) })
	}
}

// DropFirst makes Send drop the next n chunks, as a lossy link would
// (fault injection for tests).
func (p *Peer) DropFirst(n int) {
	p.mu.Lock()
	p.drop = n
	p.mu.Unlock()
}

// Candidate is a trickled ICE candidate as the browser sends it
// (RTCIceCandidateInit's JSON). It is pion's type under this package's
// name, so that callers (the screen signaling) need not import pion.
type Candidate = webrtc.ICECandidateInit

// Accept applies the viewer's answer.
func (p *Peer) Accept(sdp string) error {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("rtc: answer: %w", err)
	}
	return nil
}

// AddCandidate adds one of the viewer's trickled ICE candidates.
func (p *Peer) AddCandidate(c Candidate) error {
	if err := p.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("rtc: candidate: %w", err)
	}
	return nil
}

// Opened is closed when both data channels are open.
func (p *Peer) Opened() <-chan struct{} { return p.open }

// Dead is closed when the connection failed or closed.
func (p *Peer) Dead() <-chan struct{} { return p.dead }

// Send sends one record in chunks: on the reliable channel when reliable
// (keyframes), else on the lossy one. It refuses (ErrBacklog) when that
// channel's buffer is over MaxBuffered, so a slow viewer drops frames
// instead of queueing them.
func (p *Peer) Send(rec []byte, reliable bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("rtc: peer closed")
	}
	dc, msg := p.dc, &p.msg
	if reliable {
		dc, msg = p.kc, &p.kmsg
	}
	if dc.BufferedAmount() > MaxBuffered {
		return ErrBacklog
	}
	chunks, err := Chunk(*msg, rec)
	if err != nil {
		return err
	}
	*msg++
	for _, c := range chunks {
		if p.drop > 0 {
			p.drop--
			continue
		}
		if err := dc.Send(c); err != nil {
			return fmt.Errorf("rtc: send: %w", err)
		}
	}
	return nil
}

// Close closes the PeerConnection and waits for pion's goroutines to stop.
func (p *Peer) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.pc.Close()
	p.died()
	return err
}
