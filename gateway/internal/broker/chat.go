package broker

// Chat and live permission requests (issue 13), gateway side. See the
// diagram in internal/wire/chat.go.
//
// A message from the technician is stored and audited before it is sent
// to the agent; a message from the agent is stored and audited before the
// gateway replies true. At the real end of a session its transcript is
// sealed in the audit trail (chat.seal: the number of messages and the
// SHA-256 over ChatDigest), so a row changed later no longer verifies.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// Audit actions of chat and asks.
const (
	ActionChatMessage = "chat.message" // {sender, author, sha256, length}
	ActionChatSeal    = "chat.seal"    // {messages, sha256}
	ActionScopeAsk    = "scope.ask"    // {ask_id, scopes, reason}
	ActionRating      = "session.rating"
)

// Bounds of a session's chat and asks.
const (
	// MaxChatMessages bounds the messages of one session (both sides).
	MaxChatMessages = 2000
	// MaxAsks bounds the asks of one session.
	MaxAsks = 50
	// sendWait bounds how long Say and Ask wait for the agent's reply.
	sendWait = 10 * time.Second
)

// Errors of Say and Ask.
var (
	ErrEmptyChat    = errors.New("empty chat message")
	ErrChatTooLong  = fmt.Errorf("chat message longer than %d characters", wire.MaxChatText)
	ErrChatFull     = fmt.Errorf("this session has %d chat messages already", MaxChatMessages)
	ErrNothingToAsk = errors.New("every scope asked for is granted already")
	ErrAskRefused   = errors.New("the client cannot ask the user (an older client, or nobody to ask)")
	ErrTooManyAsks  = fmt.Errorf("this session has %d asks already", MaxAsks)
)

// ChatDigest is the SHA-256 (hex) of a transcript, as sealed in chat.seal:
// one JSON line per message, in order, of its seq, sender, author, text
// and time (RFC 3339, nanoseconds, UTC).
func ChatDigest(msgs []store.ChatMessage) string {
	h := sha256.New()
	for _, m := range msgs {
		line, _ := json.Marshal([]any{m.Seq, m.Sender, m.Author, m.Text, m.At.UTC().Format(time.RFC3339Nano)})
		h.Write(line)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TextDigest is the SHA-256 (hex) of one message's text, as audited in chat.message.
func TextDigest(text string) string {
	s := sha256.Sum256([]byte(text))
	return hex.EncodeToString(s[:])
}

// addChat stores, audits and publishes one message.
func (l *Live) addChat(ctx context.Context, sender, author, text string) (store.ChatMessage, error) {
	b := l.b
	l.mu.Lock()
	if l.chatCount >= MaxChatMessages {
		l.mu.Unlock()
		return store.ChatMessage{}, ErrChatFull
	}
	l.chatCount++
	l.mu.Unlock()
	m := store.ChatMessage{ID: store.NewID("c_"), SessionID: l.ID, TicketID: l.TicketID, Sender: sender, Author: author, Text: text, At: b.cfg.Clock()}
	if err := b.cfg.Store.AddChat(ctx, &m); err != nil {
		return store.ChatMessage{}, err
	}
	b.record(ctx, audit.Event{Actor: auditActor(sender, author), Action: ActionChatMessage, TicketID: l.TicketID, SessionID: l.ID,
		Details: map[string]any{"id": m.ID, "seq": m.Seq, "sender": sender, "author": author, "sha256": TextDigest(text), "length": len([]rune(text))}})
	if b.cfg.OnChat != nil {
		b.cfg.OnChat(m)
	}
	return m, nil
}

func auditActor(sender, author string) string {
	if sender == store.SenderTechnician {
		return author
	}
	return "client"
}

// Say sends the technician's chat message to the user. The message is
// recorded (stored, audited, published) before it is sent; an error after
// that (the agent did not take it) is returned with the recorded message.
func (l *Live) Say(ctx context.Context, technician, text string) (store.ChatMessage, error) {
	if len([]rune(text)) > wire.MaxChatText {
		return store.ChatMessage{}, ErrChatTooLong
	}
	text = wire.CleanChatText(text)
	if text == "" {
		return store.ChatMessage{}, ErrEmptyChat
	}
	if l.ctx.Err() != nil {
		return store.ChatMessage{}, ErrNotLive
	}
	m, err := l.addChat(ctx, store.SenderTechnician, technician, text)
	if err != nil {
		return m, err
	}
	from := technician
	if u, err := l.b.cfg.Store.UserByName(ctx, technician); err == nil && u.DisplayName != "" {
		from = u.DisplayName
	}
	payload := wire.ChatMessage{ID: m.ID, From: from, Text: m.Text, At: m.At}.Marshal()
	ok, err := l.request(ctx, wire.RequestChat, payload)
	if err != nil {
		return m, err
	}
	if !ok {
		return m, errors.New("the client did not take the message")
	}
	return m, nil
}

// request sends a global request to the agent and waits (bounded) for its
// reply. The request's goroutine ends when the agent replies or the
// connection closes, whichever is first.
func (l *Live) request(ctx context.Context, name string, payload []byte) (bool, error) {
	type result struct {
		ok  bool
		err error
	}
	done := make(chan result, 1)
	go func() {
		ok, _, err := l.conn.SendRequest(name, true, payload)
		done <- result{ok, err}
	}()
	t := time.NewTimer(sendWait)
	defer t.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return false, ErrNotLive
		}
		return r.ok, nil
	case <-l.ctx.Done():
		return false, ErrNotLive
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return false, errors.New("the client did not answer in time")
	}
}

// handleChat records a message from the agent, then replies true.
func (l *Live) handleChat(payload []byte) bool {
	m, err := wire.ParseChatMessage(payload)
	if err != nil {
		return false
	}
	l.mu.Lock()
	author := l.sess.Host.User
	l.mu.Unlock()
	if _, err := l.addChat(context.Background(), store.SenderUser, author, m.Text); err != nil {
		l.b.cfg.Log.Info("chat from the agent not recorded", "session_id", l.ID, "err", err)
		return false
	}
	return true
}

// sealChat audits the transcript's digest at the session's end (nothing
// when there were no messages).
func (b *Broker) sealChat(ctx context.Context, s store.Session) {
	msgs, err := b.cfg.Store.ListChat(ctx, s.ID)
	if err != nil {
		b.cfg.Log.Error("seal chat", "session_id", s.ID, "err", err)
		return
	}
	if len(msgs) == 0 {
		return
	}
	b.record(ctx, audit.Event{Actor: "gateway", Action: ActionChatSeal, TicketID: s.TicketID, SessionID: s.ID,
		Details: map[string]any{"messages": len(msgs), "sha256": ChatDigest(msgs)}})
}
