package diag

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

const (
	maxJournalEntries = 10000
	maxJournalBytes   = 16 << 20
	journalTimeout    = 3 * time.Second
)

// syslogFiles are read when present, per operating system.
var syslogFiles = map[string][]string{
	"linux":  {"/var/log/syslog", "/var/log/messages"},
	"darwin": {"/var/log/system.log"},
}

// checkLogs counts log lines by level over the window params.since (1h by
// default) in the system journal, syslog files and the technician's files,
// and shows the most recent error lines with secrets redacted.
func checkLogs(ctx context.Context, in *input) wire.DiagResult {
	window := in.params.SinceDuration()
	since := in.now.Add(-window)
	var sources []*logStats
	var n notes
	policy := in.cfg.policy()
	if in.cfg.GOOS == "linux" {
		if path, err := exec.LookPath("journalctl"); err == nil {
			in.note(Access{Kind: AccessRead, Target: "the systemd journal"})
			jctx, cancel := context.WithTimeout(ctx, journalTimeout)
			sources = append(sources, readJournal(jctx, path, since))
			cancel()
		} else {
			n.add("journalctl not found: no system journal read")
		}
	}
	for _, p := range syslogFiles[in.cfg.GOOS] {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		open, err := policy.Authorize(ctx, "", p, false)
		if err != nil {
			n.add("%s not read: %v", p, err)
			continue
		}
		in.note(Access{Kind: AccessRead, Target: p})
		sources = append(sources, scanLogFileAs(p, open, since, in.now))
	}
	grants := in.grants
	if grants == nil && len(in.params.LogFiles) > 0 {
		grants = policy.decide(ctx, "", in.params.LogFiles, false)
	}
	for _, g := range grants {
		if ctx.Err() != nil {
			break
		}
		if g.err != nil {
			st := newStats(g.name, "file")
			st.Error = g.err.Error()
			st.Refused = errors.Is(g.err, ErrFileRefused) || errors.Is(g.err, ErrPathForm)
			if st.Refused {
				in.note(Access{Kind: AccessRefused, Target: g.name, Detail: strings.TrimPrefix(st.Error, "refused: ")})
			} else {
				in.note(Access{Kind: AccessRead, Target: g.name})
			}
			sources = append(sources, st)
			continue
		}
		target := g.name
		if g.resolved != g.name {
			target = g.name + " (" + g.resolved + ")"
		}
		in.note(Access{Kind: AccessRead, Target: target})
		sources = append(sources, scanLogFileAs(g.name, g.resolved, since, in.now))
	}
	if len(sources) == 0 {
		return skipped("no system journal or syslog file found on %s; name log files to read them", in.cfg.GOOS)
	}
	total := map[string]int{}
	var recent []string
	untimed := false
	for _, s := range sources {
		for k, v := range s.Counts {
			total[k] += v
		}
		for _, e := range s.RecentErrors {
			recent = append(recent, s.Source+": "+e)
		}
		if s.OK && !s.TimeFiltered && s.LinesRead > 0 {
			untimed = true
		}
	}
	if len(recent) > maxRecentErrors {
		recent = recent[len(recent)-maxRecentErrors:]
	}
	data := map[string]any{
		"since":         since.UTC().Format(time.RFC3339),
		"window":        fmtWindow(window),
		"counts":        total,
		"sources":       sources,
		"recent_errors": recent,
	}
	if untimed {
		n.add("some sources have no parsable timestamps: all lines read from them were counted")
	}
	n.into(data)
	status := wire.DiagOK
	if total[levelError] > 0 || total[levelWarn] > 0 {
		status = wire.DiagWarn
	}
	summary := fmt.Sprintf("%d errors, %d warnings in the last %s across %d sources",
		total[levelError], total[levelWarn], fmtWindow(window), len(sources))
	if untimed {
		summary += " (some without timestamps: counted all lines read)"
	}
	status, summary = withProblems(sources, status, summary)
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}

// withProblems puts the sources that were refused or could not be read
// in front of the summary, and makes the status at least a warning.
func withProblems(sources []*logStats, status, summary string) (string, string) {
	var failed, refused []string
	for _, s := range sources {
		switch {
		case s.Refused:
			refused = append(refused, s.Source)
		case !s.OK:
			failed = append(failed, fmt.Sprintf("%s (%s)", s.Source, s.Error))
		}
	}
	if len(failed) > 0 {
		status = worst(status, wire.DiagWarn)
		summary = "could not read " + strings.Join(failed, ", ") + "; " + summary
	}
	if len(refused) > 0 {
		status = worst(status, wire.DiagWarn)
		summary = "refused by the client (outside what the user allowed): " + strings.Join(refused, ", ") + "; " + summary
	}
	return status, summary
}

// journalEntry holds the journalctl -o json fields we read.
type journalEntry struct {
	Priority   string          `json:"PRIORITY"`
	Message    json.RawMessage `json:"MESSAGE"`
	Identifier string          `json:"SYSLOG_IDENTIFIER"`
	Unit       string          `json:"_SYSTEMD_UNIT"`
}

// readJournal runs journalctl for the window, bounded in entries, bytes and
// time, and counts entries by their syslog priority.
func readJournal(ctx context.Context, path string, since time.Time) *logStats {
	st := newStats("journal", "journal")
	st.TimeFiltered = true
	cmd := exec.CommandContext(ctx, path, "--no-pager", "--quiet", "--output=json",
		"--since=@"+strconv.FormatInt(since.Unix(), 10), "--lines="+strconv.Itoa(maxJournalEntries),
		"--output-fields=PRIORITY,MESSAGE,SYSLOG_IDENTIFIER,_SYSTEMD_UNIT")
	cmd.WaitDelay = time.Second
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	out, err := cmd.StdoutPipe()
	if err != nil {
		st.Error = err.Error()
		return st
	}
	if err := cmd.Start(); err != nil {
		st.Error = fmt.Sprintf("start journalctl: %v", err)
		return st
	}
	sc := bufio.NewScanner(io.LimitReader(out, maxJournalBytes))
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes+1)
	sc.Split(splitLines)
	var kb keyBlock
	for sc.Scan() {
		st.BytesRead += int64(len(sc.Bytes())) + 1
		var e journalEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		st.LinesRead++
		msg := journalMessage(e.Message)
		who := e.Identifier
		if who == "" {
			who = e.Unit
		}
		if who != "" {
			msg = who + ": " + msg
		}
		st.add(priorityLevel(e.Priority), kb.line(msg))
	}
	_, _ = io.Copy(io.Discard, out) // let journalctl finish if we stopped early
	werr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		st.Error = "journalctl timed out; counts are partial"
	case werr != nil && st.LinesRead == 0:
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = werr.Error()
		}
		st.Error = "journalctl: " + shorten(msg, 200)
	}
	st.OK = st.Error == ""
	return st
}

// journalMessage decodes MESSAGE, which journald writes as a string, or as
// an array of bytes when it is not valid UTF-8.
func journalMessage(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b []byte
	var ints []int
	if json.Unmarshal(raw, &ints) == nil {
		for _, v := range ints {
			b = append(b, byte(v))
		}
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return ""
}

// priorityLevel maps a syslog priority (0 emerg … 7 debug) to a level.
func priorityLevel(p string) string {
	switch p {
	case "0", "1", "2", "3":
		return levelError
	case "4":
		return levelWarn
	case "5", "6":
		return levelInfo
	case "7":
		return levelDebug
	}
	return levelOther
}

// limitedWriter keeps the first n bytes written and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// fmtWindow prints 1h rather than 1h0m0s.
func fmtWindow(d time.Duration) string {
	s := strings.TrimSuffix(d.String(), "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
