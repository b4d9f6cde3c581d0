package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetherhq/tether/certs"
)

// api is a signed-in client of one gateway's HTTP API.
type api struct {
	g     *gateway
	tls   *tls.Config
	http  *http.Client
	token string
}

func newAPI(g *gateway) (*api, error) {
	fp, err := base64.RawURLEncoding.DecodeString(g.fp)
	if err != nil {
		return nil, fmt.Errorf("fingerprint: %w", err)
	}
	host, _, _ := net.SplitHostPort(g.addr)
	t := certs.PinnedClientConfig(fp, host)
	return &api{g: g, tls: t, http: &http.Client{Transport: &http.Transport{TLSClientConfig: t, MaxIdleConnsPerHost: 32}, Timeout: 30 * time.Second}}, nil
}

// as returns a client for another user, signed in from source address src
// (the gateway limits sign-ins per address).
func (a *api) as(user, password, src string) (*api, error) {
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	loginClient := &http.Client{Transport: &http.Transport{TLSClientConfig: a.tls, DialContext: nd.DialContext}, Timeout: 30 * time.Second}
	b := &api{g: a.g, tls: a.tls, http: a.http}
	var out struct{ Token string }
	if err := b.doWith(loginClient, "POST", "/api/v1/login", map[string]string{"username": user, "password": password}, 200, &out); err != nil {
		return nil, err
	}
	loginClient.CloseIdleConnections()
	b.token = out.Token
	return b, nil
}

func (a *api) do(method, path string, body any, want int, out any) error {
	return a.doWith(a.http, method, path, body, want, out)
}

func (a *api) doWith(c *http.Client, method, path string, body any, want int, out any) error {
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			rd = bytes.NewReader(j)
		}
		r, err := http.NewRequest(method, a.g.url+path, rd)
		if err != nil {
			return err
		}
		r.Header.Set("Content-Type", "application/json")
		if a.token != "" {
			r.Header.Set("Authorization", "Bearer "+a.token)
		}
		resp, err := c.Do(r)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 20 {
			time.Sleep(time.Second)
			continue
		}
		if resp.StatusCode != want {
			return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
		}
		if out != nil {
			return json.Unmarshal(b, out)
		}
		return nil
	}
}

func (a *api) ticket(title string) (int64, error) {
	var tk struct{ ID int64 }
	err := a.do("POST", "/api/v1/tickets", map[string]string{"title": title, "description": "benchmark"}, 201, &tk)
	return tk.ID, err
}

func (a *api) invite(ticket int64, scopes ...string) (string, error) {
	var inv struct{ Join string }
	err := a.do("POST", fmt.Sprintf("/api/v1/tickets/%d/invites", ticket), map[string]any{"scopes": scopes, "expires_in_s": 3600}, 201, &inv)
	return inv.Join, err
}

// technicians creates n technician users, each signed in from its own
// loopback address, so that invite creation is not throttled by the
// per-user API limit (bursts of 300).
func (a *api) technicians(prefix string, n int, srcBase [3]byte) ([]*api, error) {
	var out []*api
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s%d", prefix, i)
		pw := "bench-password-of-" + name
		if err := a.do("POST", "/api/v1/users", map[string]string{"name": name, "role": "technician", "password": pw, "display_name": name}, 201, nil); err != nil {
			return nil, err
		}
		src := fmt.Sprintf("%d.%d.%d.%d", srcBase[0], srcBase[1], srcBase[2], i+1)
		t, err := a.as(name, pw, src)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// invites makes n single-use invites spread over the technicians, at most
// perUser each, with a few requests in flight.
func invites(techs []*api, n, perUser int, scopes []string, progress func(done int)) ([]string, error) {
	if len(techs)*perUser < n {
		return nil, fmt.Errorf("need %d technicians for %d invites", (n+perUser-1)/perUser, n)
	}
	joins := make([]string, n)
	var (
		mu    sync.Mutex
		first error
		done  int
		wg    sync.WaitGroup
	)
	work := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tickets := map[int]int64{}
			for i := range work {
				t := i / perUser
				if _, ok := tickets[t]; !ok {
					id, err := techs[t].ticket(fmt.Sprintf("bench %d", t))
					if err != nil {
						mu.Lock()
						first = err
						mu.Unlock()
						continue
					}
					tickets[t] = id
				}
				j, err := techs[t].invite(tickets[t], scopes...)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				joins[i] = j
				done++
				if done%500 == 0 && progress != nil {
					progress(done)
				}
				mu.Unlock()
			}
		}()
	}
	// Each worker handles whole technicians so a ticket is created once.
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	return joins, first
}

// sessionEvents follows /api/v1/events and reports when sessions connect.
type sessionEvents struct {
	mu        sync.Mutex
	connected map[string]time.Time // session id → first seen connected
	byTicket  map[int64][]string
	cancel    context.CancelFunc
	done      chan struct{}
}

func (a *api) followSessions() (*sessionEvents, error) {
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := http.NewRequestWithContext(ctx, "GET", a.g.url+"/api/v1/events", nil)
	r.Header.Set("Authorization", "Bearer "+a.token)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: a.tls}}
	resp, err := c.Do(r)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("events: %w", err)
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("events: status %d", resp.StatusCode)
	}
	se := &sessionEvents{connected: map[string]time.Time{}, byTicket: map[int64][]string{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(se.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "session":
				var s struct {
					ID       string `json:"id"`
					TicketID int64  `json:"ticket_id"`
					State    string `json:"state"`
				}
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &s) == nil && s.State == "connected" {
					now := time.Now()
					se.mu.Lock()
					if _, ok := se.connected[s.ID]; !ok {
						se.connected[s.ID] = now
						se.byTicket[s.TicketID] = append(se.byTicket[s.TicketID], s.ID)
					}
					se.mu.Unlock()
				}
			}
		}
	}()
	return se, nil
}

// waitTicket waits for a session of ticket to connect.
func (se *sessionEvents) waitTicket(ticket int64, timeout time.Duration) (string, time.Time, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		se.mu.Lock()
		ids := se.byTicket[ticket]
		var id string
		var at time.Time
		if len(ids) > 0 {
			id, at = ids[0], se.connected[ids[0]]
		}
		se.mu.Unlock()
		if id != "" {
			return id, at, nil
		}
		time.Sleep(time.Millisecond)
	}
	return "", time.Time{}, fmt.Errorf("no session of ticket %d connected within %s", ticket, timeout)
}

func (se *sessionEvents) close() {
	se.cancel()
	<-se.done
}

// dialShell opens a technician's shell WebSocket.
func (a *api) dialShell(sessionID string, cols, rows int) (*websocket.Conn, error) {
	u, _ := url.Parse(a.g.url)
	u.Scheme = "wss"
	u.Path = "/api/v1/sessions/" + sessionID + "/shell"
	u.RawQuery = fmt.Sprintf("cols=%d&rows=%d", cols, rows)
	d := websocket.Dialer{TLSClientConfig: a.tls, HandshakeTimeout: 20 * time.Second, ReadBufferSize: 32 << 10, WriteBufferSize: 4 << 10}
	var (
		ws   *websocket.Conn
		resp *http.Response
		err  error
	)
	// 409 while the gateway is still marking a just-joined session connected.
	for try := 0; try < 50; try++ {
		ws, resp, err = d.Dial(u.String(), http.Header{"Authorization": {"Bearer " + a.token}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusConflict {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("open shell: %s", resp.Status)
		}
		return nil, fmt.Errorf("open shell: %w", err)
	}
	return ws, nil
}
