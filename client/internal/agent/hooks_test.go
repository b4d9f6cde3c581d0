package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/client/internal/shell"
	"github.com/tetherhq/tether/internal/wire"
)

// pipeShell is a Shell that echoes what is typed, for the StartShell hook.
type pipeShell struct {
	pr   *io.PipeReader
	pw   *io.PipeWriter
	done chan struct{}
}

func newPipeShell() *pipeShell {
	pr, pw := io.Pipe()
	return &pipeShell{pr: pr, pw: pw, done: make(chan struct{})}
}

func (p *pipeShell) Read(b []byte) (int, error)  { return p.pr.Read(b) }
func (p *pipeShell) Write(b []byte) (int, error) { return p.pw.Write(b) }
func (p *pipeShell) Resize(cols, rows int) error { return nil }
func (p *pipeShell) Echo() shell.Echo            { return shell.EchoUnknown }
func (p *pipeShell) Done() <-chan struct{}       { return p.done }
func (p *pipeShell) ExitCode() int               { <-p.done; return 7 }
func (p *pipeShell) Close() error {
	select {
	case <-p.done:
	default:
		close(p.done)
		p.pw.Close()
		p.pr.Close()
	}
	return nil
}

// runHooked is runScripted with cfg changed by mod.
func runHooked(t *testing.T, srv *httptest.Server, mod func(*Config)) ([]Event, error) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	log := &eventLog{}
	cfg := Config{
		Join:             wire.Join{Addr: srv.Listener.Addr().String(), Code: wire.NewCode()},
		TLS:              &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		Consent:          func(_ context.Context, o wire.Offer) (wire.Scopes, error) { return wire.NewScopes(o.Scopes) },
		Events:           log.add,
		Host:             wire.HostInfo{Hostname: "test", OS: "linux"},
		HandshakeTimeout: 10 * time.Second,
		ResumeWindow:     -1,
	}
	mod(&cfg)
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), cfg) }()
	select {
	case err := <-done:
		return log.all(), err
	case <-time.After(30 * time.Second):
		t.Fatal("the agent did not finish against the scripted gateway")
		return nil, nil
	}
}

// The hooks tether-loadgen uses: Dial opens the connection, StartShell
// replaces the pty with a stand-in that still gets the pty-req's size, and
// EventConnected carries the session id.
func TestHooksDialStartShellSession(t *testing.T) {
	type result struct {
		echo   string
		status uint32
		err    error
	}
	results := make(chan result, 1)
	sc := gwScript{
		offer:     wire.Offer{Type: wire.TypeOffer, Technician: "Alice", Ticket: wire.Ticket{ID: 1, Title: "t"}, Scopes: []string{"shell"}, ExpiresAt: time.Now().Add(time.Hour)},
		sessionID: "s_hooks", granted: []string{"shell"},
		afterSSH: func(cc ssh.Conn) {
			var r result
			defer func() { results <- r }()
			extra, _ := json.Marshal(wire.ChannelOpen{Actor: "Alice"})
			ch, reqs, err := cc.OpenChannel(wire.ChannelSession, extra)
			if err != nil {
				r.err = err
				return
			}
			exit := make(chan uint32, 1)
			go func() {
				for req := range reqs {
					if req.Type == "exit-status" {
						var st struct{ Status uint32 }
						ssh.Unmarshal(req.Payload, &st)
						exit <- st.Status
					}
				}
			}()
			pty := ssh.Marshal(struct {
				Term                          string
				Cols, Rows, WidthPx, HeightPx uint32
				Modes                         string
			}{"xterm", 132, 43, 0, 0, ""})
			if ok, err := ch.SendRequest("pty-req", true, pty); !ok || err != nil {
				r.err = errors.New("pty-req refused")
				return
			}
			if ok, err := ch.SendRequest("shell", true, nil); !ok || err != nil {
				r.err = errors.New("shell refused")
				return
			}
			ch.Write([]byte("ping"))
			buf := make([]byte, 4)
			if _, r.err = io.ReadFull(ch, buf); r.err != nil {
				return
			}
			r.echo = string(buf)
			ch.CloseWrite() // the technician leaves: the agent closes the shell
			select {
			case r.status = <-exit:
			case <-time.After(10 * time.Second):
				r.err = errors.New("no exit-status")
			}
			ch.Close()
		},
	}
	var dials atomic.Int32
	var started shell.Config
	events, err := runHooked(t, scriptedGateway(t, sc), func(c *Config) {
		c.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
		c.BufferSize = 4 << 10
		c.StartShell = func(sc shell.Config) (Shell, error) {
			started = sc
			return newPipeShell(), nil
		}
	})
	if err != nil && !errors.Is(err, ErrLinkLost) {
		t.Fatalf("agent: %v", err)
	}
	r := <-results
	if r.err != nil {
		t.Fatalf("gateway side: %v", r.err)
	}
	if r.echo != "ping" || r.status != 7 {
		t.Errorf("through the stand-in shell: got echo %q, exit status %d; want \"ping\", 7", r.echo, r.status)
	}
	if started.Term != "xterm" || started.Cols != 132 || started.Rows != 43 {
		t.Errorf("StartShell got %+v, want xterm 132x43 from the pty-req", started)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("Dial called %d times, want 1", n)
	}
	var session string
	for _, e := range events {
		if e.Kind == EventConnected {
			session = e.Session
		}
	}
	if session != "s_hooks" {
		t.Errorf("EventConnected.Session = %q, want %q", session, "s_hooks")
	}
}

// A StartShell that fails refuses the shell request, as a pty that cannot
// start does.
func TestHooksStartShellFailureRefusesTheShell(t *testing.T) {
	refused := make(chan bool, 1)
	sc := gwScript{
		offer:     wire.Offer{Type: wire.TypeOffer, Technician: "Alice", Ticket: wire.Ticket{ID: 1, Title: "t"}, Scopes: []string{"shell"}, ExpiresAt: time.Now().Add(time.Hour)},
		sessionID: "s_noshell", granted: []string{"shell"},
		afterSSH: func(cc ssh.Conn) {
			extra, _ := json.Marshal(wire.ChannelOpen{Actor: "Alice"})
			ch, reqs, err := cc.OpenChannel(wire.ChannelSession, extra)
			if err != nil {
				refused <- false
				return
			}
			go ssh.DiscardRequests(reqs)
			ch.SendRequest("pty-req", true, ssh.Marshal(struct {
				Term                          string
				Cols, Rows, WidthPx, HeightPx uint32
				Modes                         string
			}{"xterm", 80, 24, 0, 0, ""}))
			ok, _ := ch.SendRequest("shell", true, nil)
			refused <- !ok
			ch.Close()
		},
	}
	if _, err := runHooked(t, scriptedGateway(t, sc), func(c *Config) {
		c.StartShell = func(shell.Config) (Shell, error) { return nil, errors.New("no shells here") }
	}); err != nil && !errors.Is(err, ErrLinkLost) {
		t.Fatalf("agent: %v", err)
	}
	if !<-refused {
		t.Error("shell request accepted although StartShell failed")
	}
}
