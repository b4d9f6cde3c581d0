package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ProtocolVersion is the version of the agent protocol spoken by this build.
const ProtocolVersion = 1

// MaxHandshakeMessage bounds every handshake message, in bytes.
const MaxHandshakeMessage = 8 << 10

// Handshake message types. Every handshake message is one WebSocket text
// frame holding a JSON object whose "type" is one of these.
const (
	TypeHello   = "hello"   // client → gateway: which invite, which protocol
	TypeResume  = "resume"  // client → gateway: reconnect to an existing session
	TypeOffer   = "offer"   // gateway → client: what is asked, by whom
	TypeAccept  = "accept"  // client → gateway: what the user granted, host facts, host key
	TypeDecline = "decline" // client → gateway: the user said no
	TypeWelcome = "welcome" // gateway → client: session created, gateway's SSH key
	TypeError   = "error"   // gateway → client: refusal; the connection closes
)

// Error codes carried by an Error message.
const (
	ErrCodeUnknown     = "unknown_code" // no such invite
	ErrCodeExpired     = "expired"      // the invite has expired
	ErrCodeUsed        = "used"         // the invite was already used
	ErrCodeRateLimited = "rate_limited" // too many attempts from this address
	ErrCodeVersion     = "version"      // protocol version not supported
	ErrCodeBadRequest  = "bad_request"  // malformed message
	ErrCodeInternal    = "internal"     // the gateway failed
	ErrCodeNoSession   = "no_session"   // resume refused: the session is over or unknown
)

// Hello opens the handshake.
type Hello struct {
	Type     string `json:"type"`
	Protocol int    `json:"protocol"`
	Code     string `json:"code"`
	// Client is the client's version string.
	Client string `json:"client"`
}

// Ticket identifies the support ticket behind an invite.
type Ticket struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// Offer tells the client what the technician asks for, before anything is granted.
type Offer struct {
	Type       string    `json:"type"`
	Technician string    `json:"technician"`
	Ticket     Ticket    `json:"ticket"`
	Scopes     []string  `json:"scopes"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// HostInfo describes the end user's machine. Everything in it is untrusted
// text from the client: the gateway stores and shows it as text only.
type HostInfo struct {
	Hostname  string `json:"hostname"`
	OS        string `json:"os"`         // runtime.GOOS
	OSVersion string `json:"os_version"` // e.g. "Debian GNU/Linux 12"
	Arch      string `json:"arch"`
	User      string `json:"user"`
}

// Accept carries the user's decision and what the gateway needs for SSH.
type Accept struct {
	Type    string   `json:"type"`
	Granted []string `json:"granted"`
	Host    HostInfo `json:"host"`
	// HostKey is the client's ephemeral SSH host key in authorized_keys form.
	HostKey string `json:"host_key"`
	// Consent says how the user was asked (ConsentWindow, ConsentTerminal,
	// ConsentFlag); "" from clients older than 2026-12.
	Consent string `json:"consent,omitempty"`
}

// Decline says the user refused the whole invite.
type Decline struct {
	Type   string `json:"type"`
	Reason string `json:"reason,omitempty"`
}

// Welcome completes the handshake; SSH starts on the next frame.
type Welcome struct {
	Type      string   `json:"type"`
	SessionID string   `json:"session_id"`
	Granted   []string `json:"granted"`
	// GatewayKey is the gateway's SSH client key in authorized_keys form;
	// the client accepts exactly this key and nothing else.
	GatewayKey string `json:"gateway_key"`
	// ResumeToken lets this client, and only it, reconnect to the session
	// after a dropped link or a gateway restart (see Resume). It is replaced
	// at every Welcome.
	ResumeToken string `json:"resume_token,omitempty"`
	// FeedbackToken lets the client post the user's rating once, after
	// the session ended (see Feedback). It stays the same across resumes.
	FeedbackToken string `json:"feedback_token,omitempty"`
}

// Resume reconnects to a session instead of joining with an invite. The
// user's earlier consent stands; the client still enforces it locally.
type Resume struct {
	Type      string   `json:"type"`
	Protocol  int      `json:"protocol"`
	SessionID string   `json:"session_id"`
	Token     string   `json:"token"`
	Client    string   `json:"client"`
	Granted   []string `json:"granted"`
	Host      HostInfo `json:"host"`
	HostKey   string   `json:"host_key"`
}

// ParseResume decodes and validates a Resume.
func ParseResume(b []byte) (Resume, error) {
	var r Resume
	if err := decode(b, TypeResume, &r); err != nil {
		return r, err
	}
	if r.SessionID == "" || len(r.SessionID) > 64 || r.Token == "" || len(r.Token) > 128 {
		return r, errors.New("resume: missing or oversized session id or token")
	}
	if r.HostKey == "" || len(r.HostKey) > 1024 {
		return r, errors.New("resume: missing or oversized host key")
	}
	sc, err := NewScopes(r.Granted)
	if err != nil {
		return r, err
	}
	r.Granted = sc.Strings()
	r.Client = CleanText(r.Client, 64)
	r.Host = r.Host.Clean()
	return r, nil
}

// Error refuses the handshake.
type Error struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Is lets errors.Is match on the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == ""
}

// Sentinel errors for errors.Is on a refusal.
var (
	ErrNoSession   = &Error{Code: ErrCodeNoSession}
	ErrUnknownCode = &Error{Code: ErrCodeUnknown}
	ErrExpired     = &Error{Code: ErrCodeExpired}
	ErrUsed        = &Error{Code: ErrCodeUsed}
	ErrRateLimited = &Error{Code: ErrCodeRateLimited}
)

// MessageType returns the "type" of a handshake message after checking its size.
func MessageType(b []byte) (string, error) {
	if len(b) > MaxHandshakeMessage {
		return "", fmt.Errorf("handshake message too large (%d bytes)", len(b))
	}
	var env struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return "", fmt.Errorf("bad handshake message: %w", err)
	}
	if env.Type == "" {
		return "", errors.New("handshake message has no type")
	}
	return env.Type, nil
}

func decode(b []byte, want string, v any) error {
	typ, err := MessageType(b)
	if err != nil {
		return err
	}
	if typ != want {
		return fmt.Errorf("handshake: want %q message, got %q", want, CleanText(typ, 32))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("bad %s message: %w", want, err)
	}
	return nil
}

// ParseHello decodes and validates a Hello.
func ParseHello(b []byte) (Hello, error) {
	var h Hello
	if err := decode(b, TypeHello, &h); err != nil {
		return h, err
	}
	code, err := NormalizeCode(h.Code)
	if err != nil {
		return h, err
	}
	h.Code = code
	h.Client = CleanText(h.Client, 64)
	return h, nil
}

// ParseOffer decodes and validates an Offer.
func ParseOffer(b []byte) (Offer, error) {
	var o Offer
	if err := decode(b, TypeOffer, &o); err != nil {
		return o, err
	}
	sc, err := NewScopes(o.Scopes)
	if err != nil {
		return o, err
	}
	o.Scopes = sc.Strings() // canonical names only: " shell\r" would reach the prompt as sent
	o.Technician = CleanText(o.Technician, 64)
	o.Ticket.Title = CleanText(o.Ticket.Title, 200)
	return o, nil
}

// ParseAccept decodes and validates an Accept. Host fields are cleaned of
// control characters and truncated; they are still untrusted text.
func ParseAccept(b []byte) (Accept, error) {
	var a Accept
	if err := decode(b, TypeAccept, &a); err != nil {
		return a, err
	}
	sc, err := NewScopes(a.Granted)
	if err != nil {
		return a, err
	}
	a.Granted = sc.Strings()
	if a.HostKey == "" || len(a.HostKey) > 1024 {
		return a, errors.New("accept: missing or oversized host key")
	}
	if a.Consent != "" && !ValidConsent(a.Consent) {
		return a, fmt.Errorf("accept: bad consent method %q", CleanText(a.Consent, 16))
	}
	a.Host = a.Host.Clean()
	return a, nil
}

// ParseWelcome decodes and validates a Welcome. The session id is printed
// on the user's terminal, so it is cleaned like any other gateway text.
func ParseWelcome(b []byte) (Welcome, error) {
	var w Welcome
	if err := decode(b, TypeWelcome, &w); err != nil {
		return w, err
	}
	if len(w.SessionID) > 64 || len(w.ResumeToken) > 128 || len(w.FeedbackToken) > 128 || w.GatewayKey == "" || len(w.GatewayKey) > 1024 {
		return w, errors.New("welcome: missing or oversized session id, resume token or gateway key")
	}
	if w.SessionID = CleanText(w.SessionID, 64); w.SessionID == "" {
		return w, errors.New("welcome: missing session id")
	}
	sc, err := NewScopes(w.Granted)
	if err != nil {
		return w, err
	}
	w.Granted = sc.Strings()
	return w, nil
}

// ParseError decodes an Error message.
func ParseError(b []byte) (*Error, error) {
	var e Error
	if err := decode(b, TypeError, &e); err != nil {
		return nil, err
	}
	e.Code = CleanText(e.Code, 32)
	e.Message = CleanText(e.Message, 300)
	return &e, nil
}

// Clean returns h with every field made safe-length printable text.
func (h HostInfo) Clean() HostInfo {
	return HostInfo{
		Hostname:  CleanText(h.Hostname, 253),
		OS:        CleanText(h.OS, 32),
		OSVersion: CleanText(h.OSVersion, 128),
		Arch:      CleanText(h.Arch, 32),
		User:      CleanText(h.User, 64),
	}
}

// CleanText drops control characters and invalid UTF-8 from s, truncates
// it to max runes and trims surrounding space. It does not escape HTML:
// renderers must treat the result as text.
func CleanText(s string, max int) string {
	return strings.TrimSpace(StripControl(s, max))
}

// StripControl is CleanText without the trimming, for lines whose leading
// space is layout: it drops control characters (C0, DEL, C1: so no escape
// sequence survives), line and paragraph separators, bidirectional
// overrides and invalid UTF-8, and truncates to max runes.
func StripControl(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var sb strings.Builder
	n := 0
	for _, r := range s {
		if n >= max {
			break
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			continue
		}
		sb.WriteRune(r)
		n++
	}
	return sb.String()
}
