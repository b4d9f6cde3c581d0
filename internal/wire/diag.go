package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Diagnostics over the tether-diag channel (ChannelDiag).
//
// One channel carries one run:
//
//	gateway                                         client
//	  │ ── {"checks":[...],"params":{...}}\n ──────► │  (one JSON line, then CloseWrite)
//	  │ ◄── {"type":"result","result":{...}}\n ───── │  one line per finished check,
//	  │ ◄── {"type":"result","result":{...}}\n ───── │  in completion order
//	  │ ◄── {"type":"done","duration_ms":N}\n ────── │  then the client closes
//
// A client that cannot parse the request answers {"type":"error","error":"..."}
// and closes. The gateway assembles the results into a DiagReport.

// Limits on a diagnostics request.
const (
	MaxDiagRequest   = 64 << 10            // bytes of request JSON
	MaxDiagParamList = 32                  // entries in log_files
	MaxDiagHosts     = 8                   // entries in targets, and in names: hosts one run may contact
	MaxDiagParamLen  = 512                 // characters in one entry
	MaxDiagSince     = 30 * 24 * time.Hour // longest log window
	DefaultDiagSince = time.Hour           // log window when since is empty
	MaxDiagEventLine = 1 << 20             // bytes in one event line from the client
	maxDiagNameLen   = 64                  // characters in a check name
	maxDiagSummary   = 500                 // characters in a result summary
	maxDiagError     = 300                 // characters in an error event
	maxDiagDuration  = int64(24 * time.Hour / time.Millisecond)
)

// Result statuses.
const (
	DiagOK      = "ok"      // nothing wrong found
	DiagWarn    = "warn"    // something deserves a look
	DiagFail    = "fail"    // something is broken
	DiagError   = "error"   // the check itself could not run (timeout, panic, permission)
	DiagSkipped = "skipped" // the check does not apply here; the summary says why
)

// DiagStatuses lists every valid status.
var DiagStatuses = []string{DiagOK, DiagWarn, DiagFail, DiagError, DiagSkipped}

// DiagChecks lists every check a client knows, in the order of the default
// sweep. See docs/diagnostics.md for what each one collects.
var DiagChecks = []string{
	"system", "cpu", "memory", "disks", "processes", "network",
	"dns", "connectivity", "ports", "logs", "services",
}

// DiagParams are the technician's parameters. Each check reads the ones it
// needs and ignores the rest.
type DiagParams struct {
	// Targets for connectivity: "host:port" (TCP connect) or an http(s) URL.
	Targets []string `json:"targets,omitempty"`
	// Names for dns to resolve.
	Names []string `json:"names,omitempty"`
	// LogFiles are extra absolute paths for logs to read.
	LogFiles []string `json:"log_files,omitempty"`
	// Since is the log window as a Go duration ("1h", "30m"); empty means 1h.
	Since string `json:"since,omitempty"`
}

// SinceDuration returns the log window, DefaultDiagSince when Since is empty
// or invalid (ParseDiagRequest has already refused invalid values).
func (p DiagParams) SinceDuration() time.Duration {
	if p.Since == "" {
		return DefaultDiagSince
	}
	d, err := time.ParseDuration(p.Since)
	if err != nil || d <= 0 || d > MaxDiagSince {
		return DefaultDiagSince
	}
	return d
}

// DiagRequest asks for a run. Empty Checks means every check in DiagChecks.
type DiagRequest struct {
	Checks []string   `json:"checks,omitempty"`
	Params DiagParams `json:"params"`
}

// DiagResult is what one check found.
type DiagResult struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Summary string `json:"summary"`
	// Data holds the check's findings; its fields are documented per check
	// in docs/diagnostics.md. Untrusted text from the client.
	Data       map[string]any `json:"data"`
	DurationMS int64          `json:"duration_ms"`
}

// DiagReport is a finished run as the gateway stores it on the ticket.
type DiagReport struct {
	ID         string    `json:"id"`
	SessionID  string    `json:"session_id"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Runbook    string    `json:"runbook,omitempty"`
	// Request is what was asked for (checks and parameters, after the
	// runbook was applied), so two reports can be compared honestly. The
	// gateway fills it in; reports stored before it was kept have none.
	Request *DiagRequest `json:"request,omitempty"`
	Results []DiagResult `json:"results"`
}

// ParseDiagRequest decodes and validates a request. It refuses unknown
// fields, unknown checks and out-of-bounds parameters, drops duplicate
// checks and trims spaces around entries.
func ParseDiagRequest(b []byte) (DiagRequest, error) {
	var req DiagRequest
	if len(b) > MaxDiagRequest {
		return req, fmt.Errorf("diag request too large (%d bytes, max %d)", len(b), MaxDiagRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return DiagRequest{}, fmt.Errorf("bad diag request: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return DiagRequest{}, errors.New("bad diag request: trailing data after the JSON object")
	}
	if err := req.validate(); err != nil {
		return DiagRequest{}, err
	}
	return req, nil
}

func (req *DiagRequest) validate() error {
	if len(req.Checks) > len(DiagChecks) {
		return fmt.Errorf("diag request: too many checks (%d)", len(req.Checks))
	}
	var checks []string
	for _, c := range req.Checks {
		c = strings.TrimSpace(c)
		if !slices.Contains(DiagChecks, c) {
			return fmt.Errorf("diag request: unknown check %q", CleanText(c, maxDiagNameLen))
		}
		if !slices.Contains(checks, c) {
			checks = append(checks, c)
		}
	}
	req.Checks = checks
	p := &req.Params
	var err error
	if p.Targets, err = diagList("targets", p.Targets, MaxDiagHosts, validDiagTarget); err != nil {
		return err
	}
	if p.Names, err = diagList("names", p.Names, MaxDiagHosts, validDiagName); err != nil {
		return err
	}
	if p.LogFiles, err = diagList("log_files", p.LogFiles, MaxDiagParamList, validDiagLogFile); err != nil {
		return err
	}
	p.Since = strings.TrimSpace(p.Since)
	if p.Since != "" {
		d, err := time.ParseDuration(p.Since)
		if err != nil {
			return fmt.Errorf("diag request: since %q is not a duration such as 1h or 30m", CleanText(p.Since, 32))
		}
		if d <= 0 || d > MaxDiagSince {
			return fmt.Errorf("diag request: since must be between 1s and %s", MaxDiagSince)
		}
	}
	return nil
}

func diagList(field string, in []string, limit int, valid func(string) error) ([]string, error) {
	if len(in) > limit {
		return nil, fmt.Errorf("diag request: too many %s (%d, max %d)", field, len(in), limit)
	}
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if len(s) > MaxDiagParamLen {
			return nil, fmt.Errorf("diag request: an entry in %s is longer than %d bytes", field, MaxDiagParamLen)
		}
		if err := valid(s); err != nil {
			return nil, fmt.Errorf("diag request: %s: %q: %w", field, CleanText(s, 80), err)
		}
		out = append(out, s)
	}
	return out, nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func validDiagTarget(s string) error {
	if hasControl(s) || strings.ContainsAny(s, " \t") {
		return errors.New("contains spaces or control characters")
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		u, err := url.Parse(s)
		if err != nil {
			return errors.New("not a valid URL")
		}
		if u.Hostname() == "" {
			return errors.New("URL has no host")
		}
		if port := u.Port(); port != "" {
			if err := validPort(port); err != nil {
				return err
			}
		}
		return nil
	}
	if strings.Contains(s, "://") {
		return errors.New("want host:port or an http(s) URL")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return errors.New("want host:port or an http(s) URL")
	}
	return validPort(port)
}

func validPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return errors.New("port must be 1-65535")
	}
	return nil
}

func validDiagName(s string) error {
	if hasControl(s) || strings.ContainsAny(s, " \t/\\") {
		return errors.New("not a host name")
	}
	return nil
}

func validDiagLogFile(s string) error {
	if strings.ContainsRune(s, 0) || hasControl(s) {
		return errors.New("contains NUL or control characters")
	}
	// Absolute on Unix ("/var/log/x") or Windows ("C:\logs\x", `\\server\share`).
	unixAbs := strings.HasPrefix(s, "/")
	winAbs := len(s) >= 3 && s[1] == ':' && (s[2] == '\\' || s[2] == '/') ||
		strings.HasPrefix(s, `\\`)
	if !unixAbs && !winAbs {
		return errors.New("must be an absolute path")
	}
	return nil
}

// DiagWriteRequest writes req as one JSON line.
func DiagWriteRequest(w io.Writer, req DiagRequest) error {
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("diag: encode request: %w", err)
	}
	if len(b) > MaxDiagRequest {
		return fmt.Errorf("diag: request too large (%d bytes)", len(b))
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("diag: write request: %w", err)
	}
	return nil
}

// DiagReadRequest reads one request line (or everything up to EOF) of at
// most MaxDiagRequest bytes and parses it.
func DiagReadRequest(r io.Reader) (DiagRequest, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxDiagRequest+2), 4096)
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxDiagRequest+1 {
			return DiagRequest{}, fmt.Errorf("diag request too large (over %d bytes)", MaxDiagRequest)
		}
		if err == nil || err == io.EOF {
			break
		}
		if err != bufio.ErrBufferFull {
			return DiagRequest{}, fmt.Errorf("diag: read request: %w", err)
		}
	}
	line = bytes.TrimRight(line, "\r\n")
	if len(line) == 0 {
		return DiagRequest{}, errors.New("diag: empty request")
	}
	return ParseDiagRequest(line)
}

// Event types on the tether-diag channel, client → gateway.
const (
	DiagEventResult = "result" // one finished check
	DiagEventDone   = "done"   // the run is over; the channel closes next
	DiagEventError  = "error"  // the request was refused; the channel closes next
)

// DiagEvent is one line the client writes on the tether-diag channel.
type DiagEvent struct {
	Type       string      `json:"type"`
	Result     *DiagResult `json:"result,omitempty"`
	DurationMS int64       `json:"duration_ms,omitempty"`
	Error      string      `json:"error,omitempty"`
}

// DiagWriteEvent writes ev as one JSON line. It refuses an event larger than
// MaxDiagEventLine, which the reader would reject.
func DiagWriteEvent(w io.Writer, ev DiagEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("diag: encode event: %w", err)
	}
	if len(b) >= MaxDiagEventLine {
		return fmt.Errorf("diag: event too large (%d bytes)", len(b))
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("diag: write event: %w", err)
	}
	return nil
}

// ParseDiagEvent decodes and validates one event line. Text fields are
// cleaned of control characters and truncated; Data stays untrusted.
func ParseDiagEvent(line []byte) (DiagEvent, error) {
	var ev DiagEvent
	if len(line) > MaxDiagEventLine {
		return ev, fmt.Errorf("diag event too large (%d bytes)", len(line))
	}
	if err := json.Unmarshal(line, &ev); err != nil {
		return DiagEvent{}, fmt.Errorf("bad diag event: %w", err)
	}
	switch ev.Type {
	case DiagEventResult:
		if ev.Result == nil {
			return DiagEvent{}, errors.New("diag event: result event without a result")
		}
		r := ev.Result
		r.Name = CleanText(r.Name, maxDiagNameLen)
		if r.Name == "" {
			return DiagEvent{}, errors.New("diag event: result without a name")
		}
		if !slices.Contains(DiagStatuses, r.Status) {
			return DiagEvent{}, fmt.Errorf("diag event: unknown status %q", CleanText(r.Status, 16))
		}
		r.Summary = CleanText(r.Summary, maxDiagSummary)
		r.DurationMS = min(max(r.DurationMS, 0), maxDiagDuration)
		if r.Data == nil {
			r.Data = map[string]any{}
		}
		ev.DurationMS, ev.Error = 0, ""
	case DiagEventDone:
		ev.Result, ev.Error = nil, ""
		ev.DurationMS = min(max(ev.DurationMS, 0), maxDiagDuration)
	case DiagEventError:
		ev.Result, ev.DurationMS = nil, 0
		ev.Error = CleanText(ev.Error, maxDiagError)
		if ev.Error == "" {
			ev.Error = "diagnostics refused"
		}
	default:
		return DiagEvent{}, fmt.Errorf("diag event: unknown type %q", CleanText(ev.Type, 16))
	}
	return ev, nil
}

// DiagReader reads the client's event stream line by line.
type DiagReader struct {
	sc *bufio.Scanner
}

// NewDiagReader returns a reader over r with a MaxDiagEventLine line limit.
func NewDiagReader(r io.Reader) *DiagReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxDiagEventLine)
	return &DiagReader{sc: sc}
}

// Next returns the next event, skipping blank lines. It returns io.EOF at
// the end of the stream and an error for an oversized or invalid line.
func (d *DiagReader) Next() (DiagEvent, error) {
	for d.sc.Scan() {
		line := bytes.TrimSpace(d.sc.Bytes())
		if len(line) == 0 {
			continue
		}
		return ParseDiagEvent(line)
	}
	if err := d.sc.Err(); err != nil {
		return DiagEvent{}, fmt.Errorf("diag: read event: %w", err)
	}
	return DiagEvent{}, io.EOF
}
