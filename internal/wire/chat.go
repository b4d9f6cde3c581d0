package wire

// Chat, live permission requests and the consent method (protocol 1,
// additions of 2026-12: older peers ignore the unknown fields and answer
// the unknown requests with a refusal).
//
//	gateway ──tether-chat@tether {id,from,text,at}──────────► agent   technician → user
//	agent   ──tether-chat@tether {text}─────────────────────► gateway user → technician (reply: recorded)
//	gateway ──tether-ask@tether  {id,technician,scopes,reason}► agent  reply true: shown to the user
//	agent   ──tether-answer@tether {ask_id,allowed,via}──────► gateway the user's decision, later
//
// A chat message from the agent is stored and audited by the gateway
// before it replies true, so a true reply means "on the ticket". The
// gateway ignores From in what the agent sends: it names the user itself.

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Global requests added for chat and live permission requests.
const (
	// RequestChat carries one chat message, both ways; payload ChatMessage.
	RequestChat = "tether-chat@tether"
	// RequestAsk is sent by the gateway when a technician asks for scopes
	// the user has not granted; payload AskNotice. The agent replies true
	// once the question is shown to the user, false when it cannot ask
	// (nobody to ask, or nothing askable).
	RequestAsk = "tether-ask@tether"
	// RequestAnswer is sent by the agent with the user's decision on an
	// AskNotice; payload AnswerNotice. The gateway adds only scopes that
	// ask named and replies true after the audit entry.
	RequestAnswer = "tether-answer@tether"
)

// How the user gave consent, carried in Accept.Consent and AnswerNotice.Via
// and recorded in the audit trail.
const (
	ConsentWindow   = "window"   // asked in the client's consent window
	ConsentTerminal = "terminal" // asked on the client's terminal
	ConsentFlag     = "flag"     // given on the command line (--accept), nobody asked
)

// ValidConsent reports whether s is one of the consent methods.
func ValidConsent(s string) bool {
	return s == ConsentWindow || s == ConsentTerminal || s == ConsentFlag
}

// Bounds of chat and ask payloads.
const (
	MaxChatText    = 2000     // runes in one chat message
	MaxChatPayload = 16 << 10 // bytes of a RequestChat payload
	MaxAskReason   = 300      // runes of an ask's reason
	MaxAskPayload  = 4 << 10  // bytes of a RequestAsk or RequestAnswer payload
	MaxIDLen       = 64       // bytes of a message or ask id
)

// ChatMessage is one line of the chat between technician and user.
type ChatMessage struct {
	// ID is the gateway's id for the message ("" in what the agent sends).
	ID string `json:"id,omitempty"`
	// From is the sender's display name as the gateway knows it (the
	// technician's name); "" in what the agent sends.
	From string `json:"from,omitempty"`
	// Text is the message: printable text, at most MaxChatText runes.
	Text string `json:"text"`
	// At is when the gateway recorded it (zero in what the agent sends).
	At time.Time `json:"at,omitempty"`
}

// Marshal encodes m as a RequestChat payload.
func (m ChatMessage) Marshal() []byte {
	b, _ := json.Marshal(m) // strings and a time always encode
	return b
}

// ParseChatMessage decodes a RequestChat payload. Text keeps its line
// breaks (a message may have several lines) but loses every other control
// character; an empty text after cleaning is an error.
func ParseChatMessage(b []byte) (ChatMessage, error) {
	if len(b) > MaxChatPayload {
		return ChatMessage{}, fmt.Errorf("chat message too large (%d bytes)", len(b))
	}
	var m ChatMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return ChatMessage{}, fmt.Errorf("bad chat message: %w", err)
	}
	if len(m.ID) > MaxIDLen {
		return ChatMessage{}, errors.New("chat message id too long")
	}
	m.ID = CleanText(m.ID, MaxIDLen)
	m.From = CleanText(m.From, 64)
	m.Text = CleanChatText(m.Text)
	if m.Text == "" {
		return ChatMessage{}, errors.New("empty chat message")
	}
	return m, nil
}

// CleanChatText cleans a chat message's text: lines are kept (at most 50),
// each cleaned like CleanText's StripControl, the whole bounded by
// MaxChatText runes and trimmed.
func CleanChatText(s string) string {
	var out []rune
	lines := 0
	line := []rune{}
	flush := func() {
		if lines > 0 {
			out = append(out, '\n')
		}
		out = append(out, []rune(StripControl(string(line), MaxChatText))...)
		lines++
		line = line[:0]
	}
	for _, r := range s {
		if r == '\n' {
			if lines >= 49 {
				line = append(line, ' ')
				continue
			}
			flush()
			continue
		}
		if r == '\t' {
			r = ' '
		}
		line = append(line, r)
	}
	flush()
	if len(out) > MaxChatText {
		out = out[:MaxChatText]
	}
	return trimSpaceRunes(out)
}

func trimSpaceRunes(r []rune) string {
	i, j := 0, len(r)
	for i < j && (r[i] == ' ' || r[i] == '\n') {
		i++
	}
	for j > i && (r[j-1] == ' ' || r[j-1] == '\n') {
		j--
	}
	return string(r[i:j])
}

// AskNotice is a technician's request, in a running session, for scopes
// the user has not granted (or revoked).
type AskNotice struct {
	ID         string   `json:"id"`
	Technician string   `json:"technician"`
	Scopes     []string `json:"scopes"`
	Reason     string   `json:"reason,omitempty"`
}

// Marshal encodes n as a RequestAsk payload.
func (n AskNotice) Marshal() []byte {
	b, _ := json.Marshal(n)
	return b
}

// ParseAskNotice decodes a RequestAsk payload: an id, at least one known
// scope, cleaned names and reason.
func ParseAskNotice(b []byte) (AskNotice, error) {
	if len(b) > MaxAskPayload {
		return AskNotice{}, fmt.Errorf("ask too large (%d bytes)", len(b))
	}
	var n AskNotice
	if err := json.Unmarshal(b, &n); err != nil {
		return AskNotice{}, fmt.Errorf("bad ask: %w", err)
	}
	if len(n.ID) > MaxIDLen {
		return AskNotice{}, errors.New("ask: oversized id")
	}
	// Cleaned before it is checked: an id of control characters only is
	// no id at all.
	if n.ID = CleanText(n.ID, MaxIDLen); n.ID == "" {
		return AskNotice{}, errors.New("ask: missing id")
	}
	sc, err := NewScopes(n.Scopes)
	if err != nil {
		return AskNotice{}, fmt.Errorf("ask: %w", err)
	}
	if len(sc) == 0 {
		return AskNotice{}, errors.New("ask: no scopes")
	}
	n.Scopes = sc.Strings()
	n.Technician = CleanText(n.Technician, 64)
	n.Reason = CleanText(n.Reason, MaxAskReason)
	return n, nil
}

// AnswerNotice is the user's decision on an AskNotice: the scopes of that
// ask the user allowed (empty: declined), and how they were asked.
type AnswerNotice struct {
	AskID   string   `json:"ask_id"`
	Allowed []string `json:"allowed"`
	Via     string   `json:"via"`
}

// Marshal encodes n as a RequestAnswer payload.
func (n AnswerNotice) Marshal() []byte {
	b, _ := json.Marshal(n)
	return b
}

// ParseAnswerNotice decodes a RequestAnswer payload.
func ParseAnswerNotice(b []byte) (AnswerNotice, error) {
	if len(b) > MaxAskPayload {
		return AnswerNotice{}, fmt.Errorf("answer too large (%d bytes)", len(b))
	}
	var n AnswerNotice
	if err := json.Unmarshal(b, &n); err != nil {
		return AnswerNotice{}, fmt.Errorf("bad answer: %w", err)
	}
	if len(n.AskID) > MaxIDLen {
		return AnswerNotice{}, errors.New("answer: oversized ask id")
	}
	if n.AskID = CleanText(n.AskID, MaxIDLen); n.AskID == "" {
		return AnswerNotice{}, errors.New("answer: missing ask id")
	}
	sc, err := NewScopes(n.Allowed)
	if err != nil {
		return AnswerNotice{}, fmt.Errorf("answer: %w", err)
	}
	if !ValidConsent(n.Via) || n.Via == ConsentFlag {
		return AnswerNotice{}, fmt.Errorf("answer: bad consent method %q", CleanText(n.Via, 16))
	}
	n.Allowed = sc.Strings()
	return n, nil
}

// Feedback is what the client posts to FeedbackPath after a session ended:
// the user's rating of the help. The token is the Welcome's FeedbackToken.
type Feedback struct {
	SessionID string `json:"session_id"`
	Token     string `json:"token"`
	Rating    int    `json:"rating"` // 1 (bad) to 5 (excellent)
	Comment   string `json:"comment,omitempty"`
}

// FeedbackPath is the gateway's endpoint for Feedback (POST, JSON; 204 on
// success, 409 when this session was rated already).
const FeedbackPath = "/api/v1/feedback"

// MaxFeedbackComment bounds the comment, in runes.
const MaxFeedbackComment = 2000

// ParseFeedback decodes and validates a Feedback body.
func ParseFeedback(b []byte) (Feedback, error) {
	if len(b) > MaxChatPayload {
		return Feedback{}, fmt.Errorf("feedback too large (%d bytes)", len(b))
	}
	var f Feedback
	if err := json.Unmarshal(b, &f); err != nil {
		return Feedback{}, fmt.Errorf("bad feedback: %w", err)
	}
	if f.SessionID == "" || len(f.SessionID) > MaxIDLen || f.Token == "" || len(f.Token) > 128 {
		return Feedback{}, errors.New("feedback: missing or oversized session id or token")
	}
	if f.Rating < 1 || f.Rating > 5 {
		return Feedback{}, fmt.Errorf("feedback: rating must be 1 to 5, got %d", f.Rating)
	}
	f.Comment = CleanChatText(f.Comment)
	if r := []rune(f.Comment); len(r) > MaxFeedbackComment {
		f.Comment = string(r[:MaxFeedbackComment])
	}
	return f, nil
}
