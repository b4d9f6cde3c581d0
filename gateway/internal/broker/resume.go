package broker

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/internal/wire"
)

// newResumeToken returns a fresh token and the hash the store keeps.
func newResumeToken() (token, hash string) {
	var b [32]byte
	rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token)
}

// tokenMatches compares presented with each hash stored (space-separated:
// the current token's and, until the rotation is confirmed, the one before
// it), in constant time.
func tokenMatches(stored, presented string) bool {
	ok := 0
	for _, h := range strings.Fields(stored) {
		ok |= subtle.ConstantTimeCompare([]byte(h), []byte(presented))
	}
	return ok == 1
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ExpectResume schedules the end of sessions that wait for their client
// (after a gateway restart) unless the client comes back within the window.
func (b *Broker) ExpectResume(ids []string) {
	for _, id := range ids {
		b.expect(id, "the client did not reconnect after the gateway restarted")
	}
}

// expect arms the end timer of a waiting session.
func (b *Broker) expect(id, why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	if t, ok := b.pending[id]; ok {
		t.Stop()
	}
	b.pending[id] = time.AfterFunc(b.cfg.ResumeWindow, func() { b.expire(id, why) })
}

// unexpect disarms it: the client is back.
func (b *Broker) unexpect(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t, ok := b.pending[id]; ok {
		t.Stop()
		delete(b.pending, id)
	}
}

func (b *Broker) expire(id, why string) {
	b.mu.Lock()
	delete(b.pending, id)
	_, live := b.live[id]
	b.mu.Unlock()
	if live {
		return
	}
	ctx := context.Background()
	s, err := b.cfg.Store.Session(ctx, id)
	if err != nil || s.State != store.SessionWaiting {
		return
	}
	reason := fmt.Sprintf("%s (waited %s)", why, b.cfg.ResumeWindow)
	b.record(ctx, audit.Event{Actor: "gateway", Action: audit.ActionSessionEnd, TicketID: s.TicketID, SessionID: s.ID, Details: map[string]any{"reason": reason}})
	b.cfg.Store.SetSessionResume(ctx, id, "")
	b.endRow(ctx, s, reason)
}

// resume handles a Resume message: the same client coming back to its session.
func (b *Broker) resume(ctx context.Context, ws *websocket.Conn, remote string, msg []byte) (*Live, error) {
	rs, err := wire.ParseResume(msg)
	if err != nil {
		return nil, b.refuse(ws, wire.ErrCodeBadRequest, "bad resume: "+err.Error())
	}
	if rs.Protocol != wire.ProtocolVersion {
		return nil, b.refuse(ws, wire.ErrCodeVersion, "protocol version not supported")
	}
	gone := func() error {
		return b.refuse(ws, wire.ErrCodeNoSession, "this session is over; ask your technician for a new invite")
	}
	sess, err := b.cfg.Store.Session(ctx, rs.SessionID)
	if err != nil {
		return nil, gone()
	}
	hash, err := b.cfg.Store.SessionResumeHash(ctx, rs.SessionID)
	presented := hashToken(rs.Token)
	if err != nil || hash == "" || sess.State == store.SessionEnded || !tokenMatches(hash, presented) {
		b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionInviteRefused, TicketID: sess.TicketID, SessionID: rs.SessionID, RemoteAddr: remote,
			Details: map[string]any{"reason": "resume refused"}})
		return nil, gone()
	}
	if max := b.cfg.ResumeMaxAge; max > 0 && !b.cfg.Clock().Before(sess.CreatedAt.Add(max)) {
		b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionInviteRefused, TicketID: sess.TicketID, SessionID: rs.SessionID, RemoteAddr: remote,
			Details: map[string]any{"reason": fmt.Sprintf("resume refused: the session is older than its maximum length (%s)", max)}})
		return nil, gone()
	}
	// Spend the presented token now, atomically: the new token's hash goes
	// in, and the presented one stays beside it only until the SSH handshake
	// on this link proves the client read the new one (see confirm below).
	// If this Welcome or that handshake is lost, the client retries with the
	// token it still holds. A second resume racing with the same token read
	// the same stored value and loses the swap.
	token, th := newResumeToken()
	pending := th + " " + presented
	if err := b.cfg.Store.SwapSessionResume(ctx, sess.ID, hash, pending); err != nil {
		if errors.Is(err, store.ErrConflict) {
			b.record(ctx, audit.Event{Actor: "client", Action: audit.ActionInviteRefused, TicketID: sess.TicketID, SessionID: rs.SessionID, RemoteAddr: remote,
				Details: map[string]any{"reason": "resume refused: the token was spent by a concurrent resume"}})
			return nil, gone()
		}
		return nil, b.refuse(ws, wire.ErrCodeInternal, "the gateway could not resume the session")
	}
	// The old connection may not have noticed it is dead yet: replace it.
	if old, err := b.Live(rs.SessionID); err == nil {
		old.cancel(fmt.Errorf("%w: replaced by the client's reconnect", ErrLinkLost))
		select {
		case <-old.finished:
		case <-time.After(b.cfg.HandshakeTimeout):
			return nil, b.refuse(ws, wire.ErrCodeInternal, "the previous connection is still closing; try again")
		}
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(rs.HostKey))
	if err != nil {
		return nil, b.refuse(ws, wire.ErrCodeBadRequest, "bad host key")
	}
	if _, isCert := hostKey.(*ssh.Certificate); isCert {
		return nil, b.refuse(ws, wire.ErrCodeBadRequest, "host certificates are not accepted; send a plain key")
	}
	had, _ := wire.NewScopes(sess.Granted)
	now, _ := wire.NewScopes(rs.Granted)
	granted := had.Intersect(now) // scopes can only shrink
	sess.Granted = granted.Strings()
	sess.Host = store.HostInfo{Hostname: rs.Host.Hostname, OS: rs.Host.OS, OSVersion: rs.Host.OSVersion, Arch: rs.Host.Arch, User: rs.Host.User}
	sess.RemoteAddr = remote
	b.unexpect(sess.ID)
	l, err := b.startSSH(ctx, ws, remote, sess, hostKey, granted, token, "")
	if err != nil {
		b.expect(sess.ID, "the client did not reconnect")
		return nil, err
	}
	// Confirmed: the client's SSH server accepted the gateway key sent in
	// this Welcome, so the client read it and holds the new token. The presented one dies here. A conflict
	// means a newer resume already rotated the token; that one stands.
	if err := b.cfg.Store.SwapSessionResume(ctx, sess.ID, pending, th); err != nil && !errors.Is(err, store.ErrConflict) {
		b.cfg.Log.Error("confirm resume token", "session_id", sess.ID, "err", err)
	}
	b.record(ctx, audit.Event{Actor: "client", Action: ActionSessionResume, TicketID: sess.TicketID, SessionID: sess.ID, RemoteAddr: remote,
		Details: map[string]any{"granted": granted.Strings()}})
	return l, nil
}

// ActionSessionResume is audited when a client reconnects to its session.
const ActionSessionResume = "session.resume"
