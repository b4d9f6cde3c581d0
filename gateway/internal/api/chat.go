package api

// Chat between the technician and the user (issue 13), as the API serves
// it: the transcript (with its seal and whether it verifies) and sending a
// message. See package broker (chat.go) for how messages are recorded.

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// ChatStore is what the chat, asks and feedback handlers need.
type ChatStore interface {
	ListChat(ctx context.Context, sessionID string) ([]store.ChatMessage, error)
	ListAsks(ctx context.Context, sessionID string) ([]store.Ask, error)
	SessionFeedbackHash(ctx context.Context, id string) (string, error)
	RateSession(ctx context.Context, id string, rating int, comment string, at time.Time) error
}

type chatMessageJSON struct {
	ID        string    `json:"id"`
	SessionID string    `json:"session_id"`
	Seq       int64     `json:"seq"`
	Sender    string    `json:"sender"`
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
}

func toChatJSON(m *store.ChatMessage) chatMessageJSON {
	return chatMessageJSON{ID: m.ID, SessionID: m.SessionID, Seq: m.Seq, Sender: m.Sender, Author: m.Author, Text: m.Text, At: m.At}
}

type chatSealJSON struct {
	SHA256   string `json:"sha256"`
	Messages int    `json:"messages"`
}

type chatJSON struct {
	Messages []chatMessageJSON `json:"messages"`
	Seal     *chatSealJSON     `json:"seal"`
	Verified bool              `json:"verified"`
}

// getChat returns a session's transcript. Verified says the stored
// messages match the audit trail: each one its chat.message entry (same
// id, seq, sender, author and text digest), and, once sealed, all of them
// the chat.seal digest and count.
func (a *API) getChat(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	msgs, err := a.cfg.Store.ListChat(r.Context(), s.ID)
	if err != nil {
		a.internal(w, r, "list chat", err)
		return
	}
	entries, seal, err := a.chatAudit(r, s)
	if err != nil {
		a.internal(w, r, "chat audit", err)
		return
	}
	out := chatJSON{Messages: make([]chatMessageJSON, len(msgs)), Seal: seal, Verified: len(entries) == len(msgs)}
	for i := range msgs {
		m := &msgs[i]
		out.Messages[i] = toChatJSON(m)
		e, ok := entries[m.ID]
		if !ok || e.seq != m.Seq || e.sender != m.Sender || e.author != m.Author ||
			subtle.ConstantTimeCompare([]byte(e.sha256), []byte(broker.TextDigest(m.Text))) != 1 {
			out.Verified = false
		}
	}
	if seal != nil && (seal.Messages != len(msgs) || seal.SHA256 != broker.ChatDigest(msgs)) {
		out.Verified = false
	}
	writeJSON(w, http.StatusOK, out)
}

type chatEntry struct {
	seq                    int64
	sender, author, sha256 string
}

// chatAudit reads the chat.message entries (by message id) and the
// chat.seal of a session from the audit trail.
func (a *API) chatAudit(r *http.Request, s *store.Session) (map[string]chatEntry, *chatSealJSON, error) {
	out := map[string]chatEntry{}
	es, err := a.cfg.Store.ListAudit(r.Context(), store.AuditFilter{TicketID: s.TicketID, Action: broker.ActionChatMessage, Limit: store.MaxAuditLimit})
	if err != nil {
		return nil, nil, err
	}
	for _, e := range es {
		if e.SessionID != s.ID {
			continue
		}
		var d struct {
			ID     string `json:"id"`
			Seq    int64  `json:"seq"`
			Sender string `json:"sender"`
			Author string `json:"author"`
			SHA256 string `json:"sha256"`
		}
		if json.Unmarshal(e.Details, &d) != nil || d.ID == "" {
			continue
		}
		out[d.ID] = chatEntry{seq: d.Seq, sender: d.Sender, author: d.Author, sha256: d.SHA256}
	}
	seals, err := a.cfg.Store.ListAudit(r.Context(), store.AuditFilter{TicketID: s.TicketID, Action: broker.ActionChatSeal, Limit: store.MaxAuditLimit})
	if err != nil {
		return nil, nil, err
	}
	var seal *chatSealJSON
	for _, e := range seals {
		if e.SessionID != s.ID {
			continue
		}
		var d chatSealJSON
		if json.Unmarshal(e.Details, &d) == nil {
			seal = &d
		}
	}
	return out, seal, nil
}

// postChat sends the technician's message to the user.
func (a *API) postChat(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := a.decodeJSON(w, r, &body); err != nil {
		failInput(w, err)
		return
	}
	if strings.TrimSpace(body.Text) == "" {
		writeError(w, http.StatusBadRequest, "text is required")
		return
	}
	if len([]rune(body.Text)) > wire.MaxChatText {
		writeError(w, http.StatusBadRequest, broker.ErrChatTooLong.Error())
		return
	}
	l := a.liveFor(w, r, s)
	if l == nil {
		return
	}
	m, err := l.Say(r.Context(), who(r).Name, body.Text)
	switch {
	case err == nil:
		writeJSON(w, http.StatusCreated, toChatJSON(&m))
	case errors.Is(err, broker.ErrEmptyChat), errors.Is(err, broker.ErrChatTooLong):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, broker.ErrChatFull):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, broker.ErrNotLive):
		writeErrorCode(w, http.StatusConflict, codeSessionNotConnected, "the session is not connected")
	case m.ID != "":
		// Recorded on the ticket, but the client did not take it.
		writeErrorCode(w, http.StatusBadGateway, codeClientFailed, "the message is on the ticket but the client did not take it: "+err.Error())
	default:
		a.internal(w, r, "chat", err)
	}
}
