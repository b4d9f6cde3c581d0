package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/cause"
	"github.com/tetherhq/tether/gateway/internal/recording"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/gateway/internal/term"
	"github.com/tetherhq/tether/internal/wire"
)

// Shell WebSocket limits.
const (
	shellMaxMessage = 64 << 10 // one keystroke burst or paste chunk
	shellWriteWait  = 10 * time.Second
	// shellMaxHiddenAudits bounds the shell.input_hidden entries of one
	// shell; shell.close counts every episode.
	shellMaxHiddenAudits = 100
)

func sizeParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, fmt.Errorf("%s must be between 1 and 1000", name)
	}
	return n, nil
}

// shell bridges a technician's WebSocket to a recorded shell on the agent.
// Order matters: the channel is opened (the client enforces its scopes) and
// the recording started before the upgrade, so refusals are plain HTTP
// errors (403, 409, 503) rather than a WebSocket that closes at once.
func (a *API) shell(w http.ResponseWriter, r *http.Request) {
	s := a.sessionOr404(w, r)
	if s == nil {
		return
	}
	cols, err := sizeParam(r, "cols", 80)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rows, err := sizeParam(r, "rows", 24)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		a.shellPreflight(w, s)
		return
	}
	l := a.liveFor(w, r, s)
	if l == nil {
		return
	}
	actor := who(r).Name
	// The shell lives only as long as the technician keeps the right to it.
	held, release := a.hold(context.Background(), r, "shell", auth.ActShellOpen, s.TicketID, s.ID)
	defer release()
	sh, err := l.OpenShell(who(r).Display, "xterm-256color", cols, rows)
	if err != nil {
		if !a.refused(w, r, s, "shell", err) {
			writeError(w, http.StatusBadGateway, "could not open a shell on the client")
		}
		return
	}
	rec, err := a.recs.StartTerminal(r.Context(), s, actor, cols, rows)
	if err != nil {
		sh.Close()
		a.cfg.Log.Error("start recording", "session_id", s.ID, "err", err)
		writeErrorCode(w, http.StatusServiceUnavailable, codeRecordingFailed, "the recording could not be started, so the shell was not opened")
		return
	}
	up := websocket.Upgrader{
		ReadBufferSize: 4 << 10, WriteBufferSize: 16 << 10,
		CheckOrigin: func(r *http.Request) bool { return true }, // checked by a.authed before we got here
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		sh.Close()
		rec.Finish(context.WithoutCancel(r.Context()), cause.With(cause.TechnicianEnded, "the WebSocket upgrade failed"))
		return
	}
	a.record(r, audit.Event{Actor: actor, Action: audit.ActionShellOpen, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"recording_id": rec.ID(), "cols": cols, "rows": rows}})
	rec.OnHidden(func(n int64, episode int) {
		if episode > shellMaxHiddenAudits {
			return
		}
		a.record(r, audit.Event{Actor: actor, Action: audit.ActionShellInputHidden, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
			Details: map[string]any{"recording_id": rec.ID(), "bytes": n, "episode": episode}})
	})
	sh.OnEcho(rec.Echo)
	reason := a.bridgeShell(held, l, ws, sh, rec)
	code, _ := sh.ExitStatus()
	in := rec.InputStats()
	a.record(r, audit.Event{Actor: actor, Action: audit.ActionShellClose, TicketID: s.TicketID, SessionID: s.ID, RemoteAddr: r.RemoteAddr,
		Details: map[string]any{"recording_id": rec.ID(), "reason": reason.Error(), "cause": cause.Code(reason), "exit_status": code,
			"input_bytes": in.Bytes, "input_hidden_bytes": in.HiddenBytes, "input_hidden_episodes": in.HiddenEpisodes}})
}

// shellPreflight answers a plain GET of the shell endpoint: 200
// {"ready":true} when a shell would open now, else the real refusal, so
// the web UI can say why before (or instead of) a WebSocket that fails.
// The role and ticket checks (403 not_assigned, ...) ran before it.
// Opening nothing, it is not audited; the upgrade checks the same things
// again, and the client has the last word.
func (a *API) shellPreflight(w http.ResponseWriter, s *store.Session) {
	a.scopePreflight(w, s, wire.ScopeShell)
}

// scopePreflight is the preflight of a channel gated by scope (shell,
// screen): the session ended (with its end reason), is not connected now,
// or the user has not granted the scope (or revoked it).
func (a *API) scopePreflight(w http.ResponseWriter, s *store.Session, scope wire.Scope) {
	l, err := a.cfg.Broker.Live(s.ID)
	switch {
	case s.State == "ended":
		msg := "the session has ended"
		if s.EndReason != "" {
			msg += ": " + s.EndReason
		}
		writeErrorCode(w, http.StatusConflict, codeSessionNotConnected, msg)
	case err != nil:
		writeErrorCode(w, http.StatusConflict, codeSessionNotConnected,
			"the session is not connected now ("+s.State+"): the user's client is away or reconnecting")
	case !l.Granted().Has(scope):
		msg := "the user has not granted " + string(scope)
		for _, sc := range s.Scopes {
			if sc == string(scope) {
				msg += ", or revoked it"
			}
		}
		writeErrorCode(w, http.StatusForbidden, codeScopeNotGranted, msg)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"ready": true})
	}
}

// bridgeShell runs the terminal bridge (package term) until either side
// ends, held ends (the technician lost the right), the session ends or the
// gateway stops, then seals the recording. It returns why the shell ended,
// carrying a cause.Cause.
func (a *API) bridgeShell(held context.Context, l *broker.Live, ws *websocket.Conn, sh *broker.Shell, rec *recording.Terminal) error {
	ws.SetReadLimit(shellMaxMessage)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	untrack := a.shells.track(cancel)
	defer untrack()
	stopHeld := context.AfterFunc(held, func() { cancel(context.Cause(held)) })
	defer stopHeld()
	go func() {
		select {
		case <-l.Done():
			cancel(broker.SessionEnded(l.Cause()))
		case <-ctx.Done():
		}
	}()
	why := term.Run(ctx, term.Config{
		Shell: sh, Browser: wsMessages{ws, shellWriteWait}, Recording: rec, RecordingID: rec.ID(),
		Touch:      func() { a.touch(l.ID) },
		ShellEnded: func() error { return a.shellEndCause(l, sh) },
	})
	rec.Finish(context.Background(), why)
	return why
}

// shellEndCause says why a shell's channel ended when the gateway did not
// end it: the shell exited, the user withdrew the shell permission (the
// client reports that before it closes the channel), or the link went.
func (a *API) shellEndCause(l *broker.Live, sh *broker.Shell) error {
	if _, exited := sh.ExitStatus(); exited {
		return cause.ShellExited
	}
	if n, ok := sh.ClosedBy(); ok { // the client said why
		if c := cause.FromCode(n.Code); c != nil {
			if n.Reason == "" {
				return c
			}
			return cause.With(c, n.Reason)
		}
	}
	if !l.Granted().Has(wire.ScopeShell) {
		return cause.With(cause.UserRevoked, "the user withdrew the shell permission")
	}
	select {
	case <-l.Done():
		return broker.SessionEnded(l.Cause())
	default:
	}
	return cause.With(cause.LinkLost, "the client closed the shell")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func itoa(n int) string { return strconv.Itoa(n) }

// shellTracker lets Close end every open shell and wait for its recording
// to be sealed.
type shellTracker struct {
	mu     sync.Mutex
	next   int
	active map[int]context.CancelCauseFunc
	wg     sync.WaitGroup
}

func (t *shellTracker) track(cancel context.CancelCauseFunc) (untrack func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active == nil {
		t.active = map[int]context.CancelCauseFunc{}
	}
	id := t.next
	t.next++
	t.active[id] = cancel
	t.wg.Add(1)
	return func() {
		t.mu.Lock()
		delete(t.active, id)
		t.mu.Unlock()
		t.wg.Done()
	}
}

func (t *shellTracker) closeAll(ctx context.Context) error {
	t.mu.Lock()
	for _, c := range t.active {
		// The gateway stops to restart (the server suspends the sessions
		// right after): the technician and the user are told to reconnect.
		c(cause.With(cause.GatewayRestart, "reconnect in a moment"))
	}
	t.mu.Unlock()
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
