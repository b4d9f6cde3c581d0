//go:build windows

package diag

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func init() { registry["logs"] = withSystemLog("windows", readEventLogs) }

// eventLogs are the Windows event logs read, besides any named files.
var eventLogs = []string{"System", "Application"}

// readEventLogs counts the critical, error and warning events of the
// System and Application logs in the window, through wevtutil (bounded in
// events, bytes and time). Information events are not read: there are too
// many of them to be useful.
func readEventLogs(ctx context.Context, since time.Time) *logStats {
	st := newStats("eventlog:"+strings.Join(eventLogs, "+"), "eventlog")
	st.TimeFiltered = true
	path, err := exec.LookPath("wevtutil.exe")
	if err != nil {
		st.Error = "wevtutil not found"
		return st
	}
	ms := time.Since(since).Milliseconds()
	query := fmt.Sprintf("*[System[(Level=1 or Level=2 or Level=3) and TimeCreated[timediff(@SystemTime) <= %d]]]", ms)
	var errs []string
	for _, name := range eventLogs {
		one := newStats(name, "eventlog")
		out, err := runBounded(ctx, path, "qe", name, "/q:"+query, "/f:RenderedXml", "/rd:true",
			"/c:"+strconv.Itoa(maxSystemLogEvents))
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		if err := parseEvents(bytes.NewReader(out), one, since); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
		}
		st.LinesRead += one.LinesRead
		st.BytesRead += one.BytesRead
		for k, v := range one.Counts {
			st.Counts[k] += v
		}
		for _, e := range one.RecentErrors {
			st.RecentErrors = append(st.RecentErrors, name+": "+e)
		}
		if k := len(st.RecentErrors) - maxRecentErrors; k > 0 {
			st.RecentErrors = st.RecentErrors[k:]
		}
	}
	switch {
	case ctx.Err() != nil:
		st.Error = "wevtutil timed out; counts are partial"
	case len(errs) > 0:
		st.Error = shorten(strings.Join(errs, "; "), 200)
	}
	st.OK = st.Error == ""
	return st
}
