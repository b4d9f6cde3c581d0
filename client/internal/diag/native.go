package diag

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// Native sources off Linux: the Windows event log, read through
// `wevtutil qe ... /f:RenderedXml`, the macOS unified log, read through
// `log show --style ndjson`, macOS launchd jobs from `launchctl list`, the
// macOS default route from `route -n get default`, and the Windows routes
// and DNS servers. The readers are in *_windows.go and *_darwin.go; the
// parsers and the merges into the portable checks are here so that they
// are tested (and fuzzed) on every OS.

const (
	maxSystemLogBytes  = 16 << 20 // output read from wevtutil or log show
	maxSystemLogEvents = 5000     // events counted per source
	systemLogTimeout   = 4 * time.Second
)

// winEvent holds the fields of one <Event> that we count.
type winEvent struct {
	System struct {
		Provider struct {
			Name string `xml:"Name,attr"`
		} `xml:"Provider"`
		EventID     string `xml:"EventID"`
		Level       string `xml:"Level"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
	} `xml:"System"`
	RenderingInfo struct {
		Message string `xml:"Message"`
	} `xml:"RenderingInfo"`
}

// eventLevel maps a Windows event level to ours: 1 critical and 2 error
// are errors, 3 warning, 0 (log always) and 4 information, 5 verbose.
func eventLevel(l string) string {
	switch strings.TrimSpace(l) {
	case "1", "2":
		return levelError
	case "3":
		return levelWarn
	case "0", "4":
		return levelInfo
	case "5":
		return levelDebug
	}
	return levelOther
}

// parseEvents counts the <Event> elements wevtutil printed (one after the
// other, newest first, without a root element) into st. Events older than
// since are skipped; the query already asks for the window only.
func parseEvents(r io.Reader, st *logStats, since time.Time) error {
	cr := &countingReader{r: io.LimitReader(r, maxSystemLogBytes)}
	dec := xml.NewDecoder(cr)
	var lines []string
	var levels []string
	for st.LinesRead < maxSystemLogEvents {
		var ev winEvent
		err := dec.Decode(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			st.BytesRead = cr.n
			return fmt.Errorf("event %d: %w", st.LinesRead+1, err)
		}
		if t, err := time.Parse(time.RFC3339Nano, ev.System.TimeCreated.SystemTime); err == nil && t.Before(since) {
			continue
		}
		st.LinesRead++
		msg := strings.Join(strings.Fields(ev.RenderingInfo.Message), " ")
		if msg == "" {
			msg = "event " + ev.System.EventID
		}
		if p := ev.System.Provider.Name; p != "" {
			msg = p + ": " + msg
		}
		lines = append(lines, msg)
		levels = append(levels, eventLevel(ev.System.Level))
	}
	st.BytesRead = cr.n
	// wevtutil /rd:true prints newest first; RecentErrors keeps newest last.
	for i := len(lines) - 1; i >= 0; i-- {
		st.add(levels[i], Redact(lines[i]))
	}
	return nil
}

// unifiedEntry holds the `log show --style ndjson` fields we read.
type unifiedEntry struct {
	Timestamp   string `json:"timestamp"`
	MessageType string `json:"messageType"`
	Message     string `json:"eventMessage"`
	Process     string `json:"processImagePath"`
	Subsystem   string `json:"subsystem"`
}

// unifiedLevel maps a unified-log message type to ours.
func unifiedLevel(t string) string {
	switch strings.ToLower(t) {
	case "fault", "error":
		return levelError
	case "default", "info":
		return levelInfo
	case "debug":
		return levelDebug
	}
	return levelOther
}

// parseUnifiedLog counts the entries of `log show --style ndjson` (oldest
// first, one JSON object a line; other lines such as the trailing summary
// are ignored) into st.
func parseUnifiedLog(r io.Reader, st *logStats) error {
	sc := bufio.NewScanner(io.LimitReader(r, maxSystemLogBytes))
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes+1)
	sc.Split(splitLines)
	var kb keyBlock
	for sc.Scan() && st.LinesRead < maxSystemLogEvents {
		st.BytesRead += int64(len(sc.Bytes())) + 1
		var e unifiedEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.MessageType == "" {
			continue
		}
		st.LinesRead++
		msg := e.Message
		if p := e.Process; p != "" {
			msg = p[strings.LastIndexByte(p, '/')+1:] + ": " + msg
		}
		st.add(unifiedLevel(e.MessageType), kb.line(msg))
	}
	return sc.Err()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// launchdJob is one row of `launchctl list`.
type launchdJob struct {
	Label      string `json:"label"`
	PID        int    `json:"pid,omitempty"`
	LastStatus int    `json:"last_exit_status"`
}

// parseLaunchctl reads `launchctl list`: "PID\tStatus\tLabel" with "-" for
// no PID, after a header line. A negative status is the signal that ended
// the job.
func parseLaunchctl(r io.Reader) (jobs []launchdJob, err error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxSystemctlIO))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] == "PID" {
			continue
		}
		j := launchdJob{Label: f[2]}
		if f[0] != "-" {
			if j.PID, err = strconv.Atoi(f[0]); err != nil || j.PID <= 0 {
				continue
			}
		}
		if j.LastStatus, err = strconv.Atoi(f[1]); err != nil {
			continue
		}
		jobs = append(jobs, j)
	}
	return jobs, sc.Err()
}

// systemLogNames name the system logs withSystemLog reads, for the user.
var systemLogNames = map[string]string{"darwin": "the unified log", "windows": "the Windows event log"}

// withSystemLog extends the logs check with one more source, read by read
// over the same window: the Windows event log or the macOS unified log. It
// is read only when the runner believes it runs on goos (tests pretend).
func withSystemLog(goos string, read func(ctx context.Context, since time.Time) *logStats) checkFunc {
	return func(ctx context.Context, in *input) wire.DiagResult {
		r := checkLogs(ctx, in)
		if in.cfg.GOOS != goos {
			return r
		}
		window := in.params.SinceDuration()
		since := in.now.Add(-window)
		in.note(Access{Kind: AccessRead, Target: systemLogNames[goos]})
		sctx, cancel := context.WithTimeout(ctx, systemLogTimeout)
		src := read(sctx, since)
		cancel()
		return mergeLogSource(r, src, since, window)
	}
}

// mergeLogSource adds src to the result of checkLogs, recounting totals,
// status and summary the way checkLogs does.
func mergeLogSource(r wire.DiagResult, src *logStats, since time.Time, window time.Duration) wire.DiagResult {
	var sources []*logStats
	data := map[string]any{}
	if r.Status != wire.DiagSkipped {
		s, ok := r.Data["sources"].([]*logStats)
		if !ok {
			return r // not the shape checkLogs builds: keep its answer
		}
		sources, data = s, r.Data
	}
	sources = append(sources, src)
	total := map[string]int{}
	var recent []string
	for _, s := range sources {
		for k, v := range s.Counts {
			total[k] += v
		}
		for _, e := range s.RecentErrors {
			recent = append(recent, s.Source+": "+e)
		}
	}
	if len(recent) > maxRecentErrors {
		recent = recent[len(recent)-maxRecentErrors:]
	}
	data["since"] = since.UTC().Format(time.RFC3339)
	data["window"] = fmtWindow(window)
	data["counts"] = total
	data["sources"] = sources
	data["recent_errors"] = recent
	status := wire.DiagOK
	if total[levelError] > 0 || total[levelWarn] > 0 {
		status = wire.DiagWarn
	}
	summary := fmt.Sprintf("%d errors, %d warnings in the last %s across %d sources",
		total[levelError], total[levelWarn], fmtWindow(window), len(sources))
	status, summary = withProblems(sources, status, summary)
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}

// parseRouteGet reads `route -n get default` (macOS): "gateway: 192.0.2.1"
// and "interface: en0" lines. No gateway means no default route.
func parseRouteGet(r io.Reader, family string) ([]route, error) {
	var gw, iface string
	sc := bufio.NewScanner(io.LimitReader(r, maxTableBytes))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "gateway":
			gw = strings.TrimSpace(v)
		case "interface":
			iface = strings.TrimSpace(v)
		}
	}
	if gw == "" {
		return []route{}, sc.Err()
	}
	return []route{{Interface: iface, Gateway: gw, Family: family}}, sc.Err()
}

// nativeNet is what an OS-specific reader found. A nil slice means "not
// read here": checkNetwork's answer is kept.
type nativeNet struct {
	routes     []route
	routesErr  error
	servers    []string
	serversErr error
}

// withNativeNetwork extends the network check, on goos, with the default
// routes and DNS servers that read returns; the portable check reads them
// from Linux files only.
func withNativeNetwork(goos string, read func(ctx context.Context) nativeNet) checkFunc {
	return func(ctx context.Context, in *input) wire.DiagResult {
		r := checkNetwork(ctx, in)
		if in.cfg.GOOS != goos || r.Data == nil || (r.Status != wire.DiagOK && r.Status != wire.DiagWarn && r.Status != wire.DiagFail) {
			return r
		}
		return mergeNetwork(r, read(ctx))
	}
}

// mergeNetwork replaces what checkNetwork could not read (its notes say
// "not read on this operating system yet") with what n holds, and grades
// it as checkNetwork grades it on Linux.
func mergeNetwork(r wire.DiagResult, n nativeNet) wire.DiagResult {
	routes, rerr, servers, serr := n.routes, n.routesErr, n.servers, n.serversErr
	data := r.Data
	var kept notes
	if old, ok := data["notes"].([]string); ok {
		for _, s := range old {
			switch {
			case routes != nil && strings.HasPrefix(s, "default route:"):
			case servers != nil && strings.HasPrefix(s, "dns servers:"):
			default:
				kept = append(kept, s)
			}
		}
	}
	status, summary := r.Status, r.Summary
	var problems []string
	if routes != nil {
		data["default_routes"] = routes
		switch {
		case rerr != nil:
			kept.add("default route: %v", rerr)
		case len(routes) == 0:
			problems = append(problems, "no default route")
		default:
			summary += fmt.Sprintf(", default via %s on %s", routes[0].Gateway, routes[0].Interface)
		}
	}
	if servers != nil {
		data["dns_servers"] = servers
		switch {
		case serr != nil:
			kept.add("dns servers: %v", serr)
		case len(servers) == 0:
			problems = append(problems, "no DNS servers configured")
		default:
			summary += ", DNS " + strings.Join(servers, " ")
		}
	}
	delete(data, "notes")
	kept.into(data)
	if len(problems) > 0 {
		status = worst(status, wire.DiagWarn)
		summary = strings.Join(problems, "; ") + "; " + summary
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}
