package diag

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

const (
	maxTailBytes    = 5 << 20  // bytes read from the end of each log file
	maxLineBytes    = 64 << 10 // longer lines are split
	maxRecentErrors = 10       // error lines kept per source
	maxShownLine    = 300      // characters kept of each error line
)

// Log levels as counted in data["sources"][i].counts.
const (
	levelError = "error"
	levelWarn  = "warn"
	levelInfo  = "info"
	levelDebug = "debug"
	levelOther = "other"
)

// levelWords maps the words that mark a log level to the level counted.
var levelWords = map[string]string{
	"emerg": levelError, "emergency": levelError, "alert": levelError, "fatal": levelError,
	"panic": levelError, "crit": levelError, "critical": levelError, "err": levelError, "error": levelError,
	"warn": levelWarn, "warning": levelWarn,
	"notice": levelInfo, "info": levelInfo, "information": levelInfo,
	"debug": levelDebug, "trace": levelDebug,
}

// lineLevel classifies a log line by the first level word it contains (a
// whole word: "level=error" counts, "errors" and "warnings_total" do not).
func lineLevel(line string) string {
	var buf [16]byte
	for i := 0; i < len(line); {
		if !isWordByte(line[i]) {
			i++
			continue
		}
		j := i
		for j < len(line) && isWordByte(line[j]) {
			j++
		}
		if n := j - i; n >= 3 && n <= len("information") {
			w := buf[:n]
			for k := range n {
				c := line[i+k]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				w[k] = c
			}
			if lvl, ok := levelWords[string(w)]; ok {
				return lvl
			}
		}
		i = j
	}
	return levelOther
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// lineTime parses a timestamp at the start of a line: RFC 3339 (with T or
// a space, optional fraction and zone) or the syslog form "Jan _2 15:04:05",
// whose year is taken from now.
func lineTime(line string, now time.Time) (time.Time, bool) {
	s := strings.TrimLeft(line, "[ ")
	if len(s) >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' {
		end := strings.IndexAny(s[19:], " ]\t")
		tok := s
		if end >= 0 {
			tok = s[:19+end]
		}
		tok = strings.Replace(tok, " ", "T", 1)
		tok = strings.Replace(tok, ",", ".", 1)
		if t, err := time.Parse(time.RFC3339Nano, tok); err == nil {
			return t, true
		}
		if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", tok, time.Local); err == nil {
			return t, true
		}
		return time.Time{}, false
	}
	if len(s) >= 15 && s[3] == ' ' && s[9] == ':' && s[12] == ':' {
		t, err := time.ParseInLocation(time.Stamp, s[:15], time.Local)
		if err != nil {
			return time.Time{}, false
		}
		t = t.AddDate(now.Year(), 0, 0)
		if t.After(now.Add(24 * time.Hour)) {
			t = t.AddDate(-1, 0, 0)
		}
		return t, true
	}
	return time.Time{}, false
}

// logStats is what one source yielded; a row of data["sources"].
type logStats struct {
	Source       string         `json:"source"`
	Kind         string         `json:"kind"` // "journal" or "file"
	OK           bool           `json:"ok"`
	Error        string         `json:"error,omitempty"`
	Path         string         `json:"path,omitempty"`    // the file read, when links led elsewhere
	Refused      bool           `json:"refused,omitempty"` // not read: outside what the user allowed
	Counts       map[string]int `json:"counts"`
	LinesRead    int            `json:"lines_read"`
	BytesRead    int64          `json:"bytes_read"`
	Tail         bool           `json:"tail,omitempty"`          // only the end of the file was read
	TimeFiltered bool           `json:"time_filtered"`           // counts cover the window only
	RecentErrors []string       `json:"recent_errors,omitempty"` // newest last, redacted
}

func newStats(source, kind string) *logStats {
	return &logStats{Source: source, Kind: kind, Counts: map[string]int{
		levelError: 0, levelWarn: 0, levelInfo: 0, levelDebug: 0, levelOther: 0}}
}

// add counts one line (already known to be in the window) at level.
func (s *logStats) add(level, text string) {
	s.Counts[level]++
	if level == levelError {
		s.RecentErrors = append(s.RecentErrors, shorten(text, maxShownLine))
		if len(s.RecentErrors) > maxRecentErrors {
			s.RecentErrors = s.RecentErrors[1:]
		}
	}
}

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// scanLogFile reads the tail of a regular file and counts its lines by
// level. Lines with a timestamp before since are skipped; lines without
// one inherit the last timestamp seen (stack traces, continuations). When
// no line has a timestamp, every line read is counted and TimeFiltered is false.
func scanLogFile(path string, since, now time.Time) *logStats {
	return scanLogFileAs(path, path, since, now)
}

// scanLogFileAs is scanLogFile reporting source but opening path (the
// source with its symbolic links resolved by the FilePolicy).
func scanLogFileAs(source, path string, since, now time.Time) *logStats {
	st := newStats(source, "file")
	if path != source {
		st.Path = path
	}
	f, err := openRegular(path)
	if err != nil {
		st.Error = err.Error()
		return st
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		st.Error = err.Error()
		return st
	}
	var r io.Reader = f
	if fi.Size() > maxTailBytes {
		if _, err := f.Seek(fi.Size()-maxTailBytes, io.SeekStart); err != nil {
			st.Error = err.Error()
			return st
		}
		st.Tail = true
	}
	r = io.LimitReader(r, maxTailBytes)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes+1)
	sc.Split(splitLines)
	var (
		kb     keyBlock
		last   time.Time
		haveTS bool
		all    = newStats(source, "file") // every line, for files without timestamps
	)
	first := st.Tail
	for sc.Scan() {
		st.BytesRead += int64(len(sc.Bytes())) + 1
		if first { // a partial line after the seek
			first = false
			continue
		}
		line := kb.line(string(bytes.TrimRight(sc.Bytes(), "\r")))
		st.LinesRead++
		if t, ok := lineTime(line, now); ok {
			last, haveTS = t, true
		}
		level := lineLevel(line)
		all.add(level, line)
		if haveTS && !last.Before(since) {
			st.add(level, line)
		}
	}
	if err := sc.Err(); err != nil {
		st.Error = fmt.Sprintf("read: %v", err)
	}
	st.TimeFiltered = haveTS
	if !haveTS {
		st.Counts, st.RecentErrors = all.Counts, all.RecentErrors
	}
	st.OK = st.Error == ""
	return st
}

// splitLines is bufio.ScanLines that cuts lines longer than maxLineBytes
// instead of failing the whole scan.
func splitLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 && i <= maxLineBytes {
		return i + 1, data[:i], nil
	}
	if len(data) >= maxLineBytes {
		return maxLineBytes, data[:maxLineBytes], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// errNotRegular refuses devices, FIFOs, sockets and directories.
var errNotRegular = errors.New("not a regular file")

// openRegular opens path for reading only if it is a regular file; it never
// blocks on a FIFO (see openNoBlock).
func openRegular(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s)", path, errNotRegular, fi.Mode().Type())
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, err
	}
	fi2, err := f.Stat()
	if err != nil || !fi2.Mode().IsRegular() || !os.SameFile(fi, fi2) {
		f.Close()
		return nil, fmt.Errorf("%s: %w (changed while opening)", path, errNotRegular)
	}
	return f, nil
}
