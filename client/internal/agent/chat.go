package agent

// The Agent type (issue 13): one client session that programs act on while
// it runs (chat, revoke) and after it ended (rating), and the chat and ask
// requests of the protocol (see the diagram in internal/wire/chat.go).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/internal/wire"
)

// More event kinds (issue 13).
const (
	EventGranted EventKind = "granted" // the user allowed more scopes (an ask answered)
	EventControl EventKind = "control" // the technician took (Active) or released control
	EventChat    EventKind = "chat"    // a chat message was sent or received (also given to Config.Chat)
)

// AskFunc puts a technician's live request for more scopes to the user
// and returns what they allowed (a subset of n.Scopes, maybe empty) and how
// they were asked (wire.ConsentWindow or wire.ConsentTerminal).
type AskFunc func(ctx context.Context, n wire.AskNotice) (allowed wire.Scopes, via string, err error)

// ErrNotConnected means the session is not connected right now (before the
// handshake, while reconnecting, after the end).
var ErrNotConnected = errors.New("not connected to the gateway right now")

// Agent is one client session, for programs that act on it while it runs
// (chat, revoke) and after it ended (rating).
type Agent struct {
	cfg Config

	mu       sync.Mutex
	cur      *session // the connected link, nil when not connected
	conn     ssh.Conn // cur's SSH connection
	id       string   // the gateway's session id, from the first Welcome
	feedback string   // the Welcome's feedback token (kept across resumes)
	granted  wire.Scopes
	running  bool
}

// New checks cfg and returns an agent; Run starts it.
func New(cfg Config) (*Agent, error) {
	if err := cfg.checkAndSetDefaults(); err != nil {
		return nil, err
	}
	return &Agent{cfg: cfg}, nil
}

// Run connects, asks for consent, and serves the session until it ends
// (see the package-level Run). An Agent runs once.
func (a *Agent) Run(ctx context.Context) error {
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return errors.New("agent: Run called twice")
	}
	a.running = true
	a.mu.Unlock()
	return a.run(ctx)
}

// welcomed records what a Welcome taught: the session id and, from the
// first Welcome that has one, the feedback token.
func (a *Agent) welcomed(hs *handshakeResult) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == "" {
		a.id = hs.welcome.SessionID
	}
	if a.feedback == "" {
		a.feedback = hs.welcome.FeedbackToken
	}
	a.granted = append(wire.Scopes(nil), hs.granted...)
}

// connected makes s the current link (conn nil: none).
func (a *Agent) connected(s *session, conn ssh.Conn) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if conn == nil {
		if a.cur == s {
			a.granted = s.scopes()
			a.cur, a.conn = nil, nil
		}
		return
	}
	a.cur, a.conn = s, conn
}

func (a *Agent) link() (*session, ssh.Conn, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == nil {
		return nil, nil, ErrNotConnected
	}
	return a.cur, a.conn, nil
}

// Say sends the user's chat message to the technician; it returns once the
// gateway recorded it, with the message as recorded.
func (a *Agent) Say(ctx context.Context, text string) (wire.ChatMessage, error) {
	if len([]rune(text)) > wire.MaxChatText {
		return wire.ChatMessage{}, fmt.Errorf("the message is longer than %d characters", wire.MaxChatText)
	}
	text = wire.CleanChatText(text)
	if text == "" {
		return wire.ChatMessage{}, errors.New("the message is empty")
	}
	s, conn, err := a.link()
	if err != nil {
		return wire.ChatMessage{}, err
	}
	ok, err := sendRequest(ctx, conn, wire.RequestChat, wire.ChatMessage{Text: text}.Marshal())
	if err != nil {
		return wire.ChatMessage{}, err
	}
	if !ok {
		return wire.ChatMessage{}, errors.New("the gateway did not record the message")
	}
	m := wire.ChatMessage{From: a.cfg.Host.User, Text: text, At: timeNow()}
	s.event(Event{Kind: EventChat, Message: "You: " + text})
	return m, nil
}

// sendRequest sends a global request and waits for the reply or ctx. The
// request's goroutine ends when the reply comes or the connection closes.
func sendRequest(ctx context.Context, conn ssh.Conn, name string, payload []byte) (bool, error) {
	type result struct {
		ok  bool
		err error
	}
	done := make(chan result, 1)
	go func() {
		ok, _, err := conn.SendRequest(name, true, payload)
		done <- result{ok, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return false, ErrNotConnected
		}
		return r.ok, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// Revoke withdraws scopes live (like Config.Revoke).
func (a *Agent) Revoke(ctx context.Context, sc wire.Scopes) error {
	s, conn, err := a.link()
	if err != nil {
		return err
	}
	s.revoke(conn, sc)
	return nil
}

// Granted returns the scopes granted now.
func (a *Agent) Granted() wire.Scopes {
	a.mu.Lock()
	s := a.cur
	g := append(wire.Scopes(nil), a.granted...)
	a.mu.Unlock()
	if s != nil {
		return s.scopes()
	}
	return g
}

// SessionID returns the gateway's id of the session ("" before Welcome).
func (a *Agent) SessionID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.id
}

// handleChat takes a message from the technician: cleaned, given to
// Config.Chat, reported as an event. Without Config.Chat it is refused.
func (s *session) handleChat(req *ssh.Request) bool {
	if s.cfg.Chat == nil {
		return false
	}
	m, err := wire.ParseChatMessage(req.Payload)
	if err != nil {
		s.cfg.Log.Info("chat from the gateway refused", "err", err)
		return false
	}
	if m.From == "" {
		m.From = "technician"
	}
	s.cfg.Chat(m)
	s.event(Event{Kind: EventChat, Actor: m.From, Message: m.From + ": " + m.Text})
	return true
}

// ErrAlreadyRated means the gateway has this session's rating already.
var ErrAlreadyRated = errors.New("this session was rated already")

// Rate posts the user's rating (1 to 5) and comment to the gateway, once,
// after the session ended (it also works while it runs). It goes to the
// gateway of the join string over the same pinned TLS as the session, with
// the feedback token of the session's Welcome.
func (a *Agent) Rate(ctx context.Context, rating int, comment string) error {
	if rating < 1 || rating > 5 {
		return fmt.Errorf("agent: rating must be 1 to 5, got %d", rating)
	}
	a.mu.Lock()
	id, token := a.id, a.feedback
	a.mu.Unlock()
	if id == "" || token == "" {
		return errors.New("agent: this gateway gave no feedback token; the session cannot be rated")
	}
	cfg := &a.cfg
	body, _ := json.Marshal(wire.Feedback{SessionID: id, Token: token, Rating: rating, Comment: wire.CleanChatText(comment)})
	tlsConf := cfg.TLS
	if tlsConf == nil {
		host, _, _ := net.SplitHostPort(cfg.Join.Addr)
		tlsConf = certs.PinnedClientConfig(cfg.Join.Fingerprint, host)
	}
	tr := &http.Transport{TLSClientConfig: tlsConf, Proxy: http.ProxyFromEnvironment, DialContext: cfg.Dial, ForceAttemptHTTP2: false}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.HandshakeTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u := url.URL{Scheme: "https", Host: cfg.Join.Addr, Path: wire.FeedbackPath}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("agent: rate: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tether-client/"+cfg.Version)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("agent: rate: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusOK:
		return nil
	case http.StatusConflict:
		return ErrAlreadyRated
	}
	return fmt.Errorf("agent: rate: the gateway answered %s", wire.CleanText(resp.Status, 64))
}
