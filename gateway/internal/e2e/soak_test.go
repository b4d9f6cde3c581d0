package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The soak test runs many recorded shells that print a known stream (a
// counter) while their clients are killed and restarted at random, then
// checks that the gateway survived, leaked no goroutines, and that every
// recording is an exact, gap-free prefix of the stream that holds at least
// everything the technician saw.
//
// `make soak` runs 50 shells for TETHER_SOAK (60s). TestSoakShort runs 10
// shells for 10s as part of `make test`.

func TestSoak(t *testing.T) {
	d := os.Getenv("TETHER_SOAK")
	if d == "" {
		t.Skip("set TETHER_SOAK=60s to run the soak test (make soak)")
	}
	dur, err := time.ParseDuration(d)
	if err != nil || dur <= 0 || dur > 30*time.Minute {
		t.Fatalf("TETHER_SOAK=%q: want a duration up to 30m", d)
	}
	runSoak(t, 50, dur)
}

func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	runSoak(t, 10, 10*time.Second)
}

// soakCycle is one client's life: join, shell, stream, killed.
type soakCycle struct {
	slot, n   int
	recording string
	seen      []byte // what the technician received
	how       string // how the cycle ended
}

func runSoak(t *testing.T, shells int, dur time.Duration) {
	loadgen := buildLoadgen(t)
	g := startGateway(t)
	admin := g.login("admin", adminPassword)
	// Let the gateway's start-up goroutines settle before the baseline.
	g.http.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	baseline := runtime.NumGoroutine()

	var (
		mu     sync.Mutex
		cycles []*soakCycle
		wg     sync.WaitGroup
	)
	deadline := time.Now().Add(dur)
	for slot := 0; slot < shells; slot++ {
		name := fmt.Sprintf("soak%d", slot)
		pw := "password-of-" + name
		g.must(201, "POST", "/api/v1/users", admin, map[string]string{"name": name, "role": "technician", "password": pw}, nil)
		// Each technician signs in from its own loopback address: the
		// gateway limits sign-ins per address.
		tech := loginFrom(t, g, name, pw, fmt.Sprintf("127.7.%d.%d", slot/200, slot%200+1))
		var tk struct{ ID int64 }
		g.must(201, "POST", "/api/v1/tickets", tech, map[string]string{"title": "soak " + name}, &tk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(slot), uint64(time.Now().UnixNano())))
			for n := 0; time.Now().Before(deadline); n++ {
				c, err := soakOnce(g, loadgen, tech, tk.ID, slot, n, rng)
				if err != nil {
					t.Errorf("slot %d cycle %d: %v", slot, n, err)
					return
				}
				mu.Lock()
				cycles = append(cycles, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// The gateway is alive and every recording is consistent.
	if code, _ := g.req("GET", "/healthz", "", nil); code != 200 {
		t.Fatalf("healthz after soak: status %d", code)
	}
	killed, closed, lines := 0, 0, 0
	for _, c := range cycles {
		out := waitRecording(t, g, admin, c.recording)
		n, err := checkCounterStream(out, c.seen)
		if err != nil {
			t.Errorf("slot %d cycle %d (%s), recording %s: %v", c.slot, c.n, c.how, c.recording, err)
			continue
		}
		lines += n
		if c.how == "client killed" {
			killed++
		} else {
			closed++
		}
	}
	t.Logf("soak: %d shells for %s: %d cycles (%d clients killed, %d technicians dropped), %d counter lines verified",
		shells, dur, len(cycles), killed, closed, lines)

	// Goroutines return to the baseline once every session has ended.
	g.http.CloseIdleConnections()
	var now int
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if now = runtime.NumGoroutine(); now <= baseline {
			break
		}
	}
	if now > baseline {
		var buf bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Errorf("goroutines after soak: got %d, want at most the baseline %d\n%s", now, baseline, buf.String())
	}
}

// soakOnce runs one client's life and returns what to check.
func soakOnce(g *gw, loadgen, tech string, ticket int64, slot, n int, rng *rand.Rand) (*soakCycle, error) {
	c := &soakCycle{slot: slot, n: n}
	var inv invite
	code, body := g.req("POST", fmt.Sprintf("/api/v1/tickets/%d/invites", ticket), tech, map[string]any{"scopes": []string{"shell"}})
	if code != 201 {
		return nil, fmt.Errorf("create invite: status %d: %s", code, body)
	}
	json.Unmarshal(body, &inv)
	src := fmt.Sprintf("127.8.%d.%d", slot, n%250+1)
	cmd := exec.Command(loadgen, "--shell", "--source", src, "--per-ip", "1", "--concurrency", "1")
	cmd.Stdin = strings.NewReader(inv.Join + "\n")
	cmd.Env = append(os.Environ(), "SHELL=/bin/sh")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start loadgen: %w", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	sid := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var m struct {
				Event, Error string
				SessionID    string `json:"session_id"`
			}
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Event == "agent" {
				sid <- m.SessionID
			}
		}
		close(sid)
	}()
	var id string
	select {
	case id = <-sid:
	case <-time.After(30 * time.Second):
	}
	if id == "" {
		return nil, fmt.Errorf("simulated client did not join")
	}
	var ws *websocket.Conn
	for try := 0; ; try++ {
		var resp *http.Response
		ws, resp, err = g.dialShell(tech, id, 80, 24, "")
		if err == nil {
			break
		}
		if resp == nil || resp.StatusCode != http.StatusConflict || try == 50 {
			return nil, fmt.Errorf("open shell: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // still being marked connected
	}
	defer ws.Close()
	ws.WriteMessage(websocket.BinaryMessage, []byte("stty -echo; echo BEG''IN; seq 1 1000000000\n"))

	// The first frame names the recording; under load it may take a while.
	// The client's random life starts once it has arrived.
	lifetime := time.Duration(300+rng.IntN(2700)) * time.Millisecond
	dropTech := rng.IntN(4) == 0
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	var seen bytes.Buffer
	for {
		typ, p, err := ws.ReadMessage()
		if err != nil {
			break
		}
		if c.recording == "" && typ == websocket.TextMessage {
			ws.SetReadDeadline(time.Now().Add(lifetime))
		}
		switch typ {
		case websocket.BinaryMessage:
			seen.Write(p)
		case websocket.TextMessage:
			var m struct{ Type, ID string }
			if json.Unmarshal(p, &m) == nil && m.Type == "recording" {
				c.recording = m.ID
			}
		}
	}
	if c.recording == "" {
		return nil, fmt.Errorf("the gateway never said which recording holds the shell")
	}
	if dropTech {
		c.how = "technician dropped"
		ws.UnderlyingConn().Close() // no close frame: the browser vanished
		time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
	} else {
		c.how = "client killed"
	}
	cmd.Process.Kill()
	c.seen = seen.Bytes()
	return c, nil
}

// waitRecording waits until the recording is finished and returns its output.
func waitRecording(t *testing.T, g *gw, token, id string) string {
	t.Helper()
	var meta struct{ State string }
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		g.must(200, "GET", "/api/v1/recordings/"+id+"/meta", token, nil, &meta)
		if meta.State != "recording" {
			break
		}
	}
	if meta.State == "recording" {
		t.Fatalf("recording %s still open 20s after its client died", id)
	}
	code, body := g.req("GET", "/api/v1/recordings/"+id, token, nil)
	if code != 200 {
		t.Fatalf("download recording %s: status %d", id, code)
	}
	_, evs := castEvents(t, body)
	return outputOf(evs)
}

// checkCounterStream checks that out holds, after the BEGIN line, the lines
// 1, 2, 3, ... with no gap or corruption, possibly cut inside the last one,
// and that seen (what the technician got) is a prefix of out. It returns
// the number of complete counter lines.
func checkCounterStream(out string, seen []byte) (int, error) {
	if !strings.HasPrefix(out, string(seen)) {
		i := 0
		for i < len(seen) && i < len(out) && seen[i] == out[i] {
			i++
		}
		return 0, fmt.Errorf("the technician saw bytes the recording does not hold: they differ at byte %d of %d (recording has %d)", i, len(seen), len(out))
	}
	const begin = "BEGIN\r\n"
	at := strings.Index(out, begin)
	if at < 0 {
		if strings.Contains(out, "\r\n1\r\n") {
			return 0, fmt.Errorf("counter output without its BEGIN line")
		}
		return 0, nil // killed before the command ran
	}
	lines := strings.Split(out[at+len(begin):], "\r\n")
	for i, l := range lines[:len(lines)-1] {
		if want := strconv.Itoa(i + 1); l != want {
			return i, fmt.Errorf("line %d after BEGIN: got %q, want %q", i+1, truncateStr(l, 40), want)
		}
	}
	last := strings.TrimSuffix(lines[len(lines)-1], "\r")
	if want := strconv.Itoa(len(lines)); !strings.HasPrefix(want, last) {
		return len(lines) - 1, fmt.Errorf("last, partial line: got %q, want a prefix of %q", truncateStr(last, 40), want)
	}
	return len(lines) - 1, nil
}

func truncateStr(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// loginFrom signs in from a given loopback source address.
func loginFrom(t *testing.T, g *gw, user, pw, src string) string {
	t.Helper()
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: g.tls, DialContext: nd.DialContext}, Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	b, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	resp, err := c.Post(g.url+"/api/v1/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("login %s from %s: %v", user, src, err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("login %s from %s: status %d, %v", user, src, resp.StatusCode, err)
	}
	return out.Token
}

var (
	loadgenOnce sync.Once
	loadgenBin  string
	loadgenErr  error
)

// buildLoadgen builds tether-loadgen once, next to the test's client binary.
func buildLoadgen(t *testing.T) string {
	t.Helper()
	loadgenOnce.Do(func() {
		loadgenBin = filepath.Join(filepath.Dir(clientBin), "tether-loadgen")
		out, err := exec.Command("go", "build", "-o", loadgenBin, "github.com/tetherhq/tether/client/cmd/tether-loadgen").CombinedOutput()
		if err != nil {
			loadgenErr = fmt.Errorf("building tether-loadgen: %v\n%s", err, out)
		}
	})
	if loadgenErr != nil {
		t.Fatal(loadgenErr)
	}
	return loadgenBin
}
