package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
	"github.com/tetherhq/tether/internal/wsconn"
)

// ConnLimitError refuses an agent connection from an address that has
// opened too many (Config.ConnLimiter). RetryAfter says when to try again.
type ConnLimitError struct{ RetryAfter time.Duration }

func (e *ConnLimitError) Error() string {
	return "too many join attempts from this address; try again later"
}

// Admit says whether an agent connection from remote may be upgraded at
// all (Config.ConnLimiter). The caller answers a refusal in its own
// transport (HTTP 429 with Retry-After) before it upgrades.
func (b *Broker) Admit(remote string) error {
	if b.cfg.ConnLimiter != nil {
		if ok, retry := b.cfg.ConnLimiter.Allow("agent-conn:" + clientIP(remote)); !ok {
			return &ConnLimitError{RetryAfter: retry}
		}
	}
	return nil
}

// Accept runs an agent's connection: ws is the WebSocket the caller has
// already upgraded (the api package checks the request and upgrades it;
// the broker never sees HTTP), remote the client's address. Accept runs
// the consent or resume handshake, then serves the session, and returns
// when the session ends; ws is closed by then. The error says why a
// handshake failed (it is logged here too); a session that ran returns nil.
func (b *Broker) Accept(ctx context.Context, ws *websocket.Conn, remote string) error {
	ws.SetReadLimit(wire.MaxHandshakeMessage)
	l, err := b.handshake(ctx, ws, remote)
	if err != nil {
		b.cfg.Log.Info("agent handshake failed", "remote_addr", remote, "err", err)
		ws.Close()
		return err
	}
	l.run()
	return nil
}

// refuse sends an Error message and returns err for logging.
func (b *Broker) refuse(ws *websocket.Conn, code, msg string) error {
	e := wire.Error{Type: wire.TypeError, Code: code, Message: msg}
	p, _ := json.Marshal(e)
	ws.SetWriteDeadline(time.Now().Add(b.cfg.HandshakeTimeout))
	ws.WriteMessage(websocket.TextMessage, p)
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, code), time.Now().Add(time.Second))
	return &e
}

func (b *Broker) send(ws *websocket.Conn, v any) error {
	p, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ws.SetWriteDeadline(time.Now().Add(b.cfg.HandshakeTimeout))
	return ws.WriteMessage(websocket.TextMessage, p)
}

func read(ws *websocket.Conn, deadline time.Time) ([]byte, error) {
	ws.SetReadDeadline(deadline)
	typ, p, err := ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	if typ != websocket.TextMessage {
		return nil, errors.New("binary message during handshake")
	}
	return p, nil
}

// handshake runs Hello → Offer → Accept → Welcome and the SSH handshake.
func (b *Broker) handshake(ctx context.Context, ws *websocket.Conn, remote string) (*Live, error) {
	now := b.cfg.Clock()
	msg, err := read(ws, now.Add(b.cfg.HandshakeTimeout))
	if err != nil {
		return nil, fmt.Errorf("read hello: %w", err)
	}
	if typ, _ := wire.MessageType(msg); typ == wire.TypeResume {
		return b.resume(ctx, ws, remote, msg)
	}
	if b.cfg.Limiter != nil {
		if ok, _ := b.cfg.Limiter.Allow("agent:" + clientIP(remote)); !ok {
			return nil, b.refuse(ws, wire.ErrCodeRateLimited, "too many join attempts from this address; wait a minute and try again")
		}
	}
	hello, err := wire.ParseHello(msg)
	if err != nil {
		return nil, b.refuse(ws, wire.ErrCodeBadRequest, "bad hello: "+err.Error())
	}
	if hello.Protocol != wire.ProtocolVersion {
		return nil, b.refuse(ws, wire.ErrCodeVersion, fmt.Sprintf("protocol version %d is not supported (this gateway speaks %d); download a current client", hello.Protocol, wire.ProtocolVersion))
	}
	inv, err := b.cfg.Store.Invite(ctx, hello.Code)
	if err != nil {
		b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionInviteRefused, RemoteAddr: remote, Details: map[string]any{"reason": "unknown code"}})
		if errors.Is(err, store.ErrNotFound) {
			return nil, b.refuse(ws, wire.ErrCodeUnknown, "this invite code is not valid; check it with your technician")
		}
		return nil, b.refuse(ws, wire.ErrCodeInternal, "the gateway could not look up the invite")
	}
	if reason, code := inviteProblem(inv, now); code != "" {
		b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionInviteRefused, TicketID: inv.TicketID, RemoteAddr: remote, Details: map[string]any{"reason": reason}})
		return nil, b.refuse(ws, code, reason)
	}
	ticket, err := b.cfg.Store.Ticket(ctx, inv.TicketID)
	if err != nil {
		return nil, b.refuse(ws, wire.ErrCodeInternal, "the gateway could not look up the ticket")
	}
	tech := inv.CreatedBy
	if u, err := b.cfg.Store.UserByName(ctx, inv.CreatedBy); err == nil && u.DisplayName != "" {
		tech = u.DisplayName
	}
	offer := wire.Offer{Type: wire.TypeOffer, Technician: tech, Ticket: wire.Ticket{ID: ticket.ID, Title: ticket.Title}, Scopes: inv.Scopes, ExpiresAt: inv.ExpiresAt}
	if err := b.send(ws, offer); err != nil {
		return nil, fmt.Errorf("send offer: %w", err)
	}

	decideBy := now.Add(b.cfg.ConsentTimeout)
	if inv.ExpiresAt.Before(decideBy) {
		decideBy = inv.ExpiresAt.Add(b.cfg.HandshakeTimeout) // a decision made just before expiry still counts
	}
	msg, err = read(ws, decideBy)
	if err != nil {
		return nil, fmt.Errorf("read accept: %w", err)
	}
	typ, err := wire.MessageType(msg)
	if err != nil {
		return nil, b.refuse(ws, wire.ErrCodeBadRequest, err.Error())
	}
	if typ == wire.TypeDecline {
		b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionSessionDecline, TicketID: inv.TicketID, RemoteAddr: remote})
		return nil, errors.New("user declined")
	}
	acc, err := wire.ParseAccept(msg)
	if err != nil {
		return nil, b.refuse(ws, wire.ErrCodeBadRequest, "bad accept: "+err.Error())
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(acc.HostKey))
	if err != nil {
		return nil, b.refuse(ws, wire.ErrCodeBadRequest, "bad host key")
	}
	if _, isCert := hostKey.(*ssh.Certificate); isCert {
		return nil, b.refuse(ws, wire.ErrCodeBadRequest, "host certificates are not accepted; send a plain key")
	}
	asked, _ := wire.NewScopes(inv.Scopes)
	granted, _ := wire.NewScopes(acc.Granted)
	granted = granted.Intersect(asked)

	id := store.NewID("s_")
	used, err := b.cfg.Store.UseInvite(ctx, inv.Code, b.cfg.Clock(), id)
	if err != nil {
		switch {
		case errors.Is(err, store.ErrInviteUsed):
			return nil, b.refuse(ws, wire.ErrCodeUsed, "this invite was already used; ask your technician for a new one")
		case errors.Is(err, store.ErrInviteExpired):
			return nil, b.refuse(ws, wire.ErrCodeExpired, "this invite has expired; ask your technician for a new one")
		}
		return nil, b.refuse(ws, wire.ErrCodeInternal, "the gateway could not start the session")
	}
	host := acc.Host
	sess := &store.Session{
		ID: id, TicketID: inv.TicketID, InviteCode: inv.Code, Technician: inv.CreatedBy, State: store.SessionWaiting,
		Scopes: asked.Strings(), Granted: granted.Strings(),
		Host:          store.HostInfo{Hostname: host.Hostname, OS: host.OS, OSVersion: host.OSVersion, Arch: host.Arch, User: host.User},
		ClientVersion: hello.Client, RemoteAddr: remote, CreatedAt: b.cfg.Clock(), Consent: acc.Consent,
	}
	if err := b.cfg.Store.CreateSession(ctx, sess); err != nil {
		return nil, b.refuse(ws, wire.ErrCodeInternal, "the gateway could not record the session")
	}
	if b.cfg.OnInviteUsed != nil && used != nil {
		b.cfg.OnInviteUsed(*used) // the invite is burnt whatever happens next
	}
	token, th := newResumeToken()
	if err := b.cfg.Store.SetSessionResume(ctx, id, th); err != nil {
		b.endRow(ctx, sess, "could not store the resume token")
		return nil, b.refuse(ws, wire.ErrCodeInternal, "the gateway could not record the session")
	}
	feedback, fh := newResumeToken() // the same kind of secret: 256 bits, stored hashed
	if err := b.cfg.Store.SetSessionFeedback(ctx, id, fh); err != nil {
		b.endRow(ctx, sess, "could not store the feedback token")
		return nil, b.refuse(ws, wire.ErrCodeInternal, "the gateway could not record the session")
	}
	l, err := b.startSSH(ctx, ws, remote, sess, hostKey, granted, token, feedback)
	if err != nil {
		b.endRow(ctx, sess, err.Error())
		return nil, err
	}
	b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionSessionJoin, TicketID: sess.TicketID, SessionID: id, RemoteAddr: remote,
		Details: map[string]any{"hostname": host.Hostname, "os": host.OS, "os_version": host.OSVersion, "user": host.User, "client": hello.Client, "consent": acc.Consent}})
	b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionScopeGrant, TicketID: sess.TicketID, SessionID: id, RemoteAddr: remote,
		Details: map[string]any{"asked": asked.Strings(), "granted": granted.Strings(), "via": acc.Consent}})
	return l, nil
}

// startSSH sends the Welcome, runs the SSH handshake over the WebSocket and
// registers the live session.
//
// feedback is the session's feedback token, sent in the first Welcome only
// (a resumed client keeps the one it has; the gateway keeps its hash).
func (b *Broker) startSSH(ctx context.Context, ws *websocket.Conn, remote string, sess *store.Session, hostKey ssh.PublicKey, granted wire.Scopes, token, feedback string) (*Live, error) {
	welcome := wire.Welcome{Type: wire.TypeWelcome, SessionID: sess.ID, Granted: granted.Strings(), ResumeToken: token, FeedbackToken: feedback,
		GatewayKey: string(ssh.MarshalAuthorizedKey(b.cfg.SSHKey.PublicKey()))}
	if err := b.send(ws, welcome); err != nil {
		return nil, fmt.Errorf("handshake failed: send welcome: %w", err)
	}
	nc := wsconn.New(ws)
	nc.SetDeadline(b.cfg.Clock().Add(b.cfg.HandshakeTimeout))
	cc, chans, reqs, err := ssh.NewClientConn(nc, remote, &ssh.ClientConfig{
		User:              "tether",
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(b.cfg.SSHKey)},
		HostKeyCallback:   ssh.FixedHostKey(hostKey),
		HostKeyAlgorithms: []string{hostKey.Type()},
		Timeout:           b.cfg.HandshakeTimeout,
		ClientVersion:     "SSH-2.0-Tether-Gateway",
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("ssh handshake failed: %w", err)
	}
	nc.SetDeadline(time.Time{})
	at := b.cfg.Clock()
	// The row says "connected" once run has started serving (see Live.run).
	sess.State, sess.ConnectedAt, sess.EndReason, sess.EndedAt = store.SessionConnected, &at, "", nil
	l := newLive(b, *sess, cc, chans, reqs, granted)
	if msgs, err := b.cfg.Store.ListChat(ctx, sess.ID); err == nil {
		l.chatCount = len(msgs) // a resumed session keeps its bound
	}
	if asks, err := b.cfg.Store.ListAsks(ctx, sess.ID); err == nil {
		l.askCount = len(asks)
	}
	if !b.add(l) {
		cc.Close()
		return nil, ErrShuttingDown
	}
	return l, nil
}

// inviteProblem says why an invite cannot be used now ("" when it can).
func inviteProblem(inv *store.Invite, now time.Time) (reason, code string) {
	switch {
	case inv.UsedAt != nil:
		return "this invite was already used; ask your technician for a new one", wire.ErrCodeUsed
	case !now.Before(inv.ExpiresAt):
		return "this invite has expired; ask your technician for a new one", wire.ErrCodeExpired
	}
	return "", ""
}

// endRow marks a session ended with a reason.
func (b *Broker) endRow(ctx context.Context, s *store.Session, reason string) {
	at := b.cfg.Clock()
	s.State, s.EndedAt, s.EndReason = store.SessionEnded, &at, reason
	if err := b.cfg.Store.UpdateSession(context.WithoutCancel(ctx), s); err != nil {
		b.cfg.Log.Error("end session", "session_id", s.ID, "err", err)
	}
	b.notify(*s)
}

func clientIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
