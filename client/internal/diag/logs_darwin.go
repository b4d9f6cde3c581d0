//go:build darwin

package diag

import (
	"context"
	"fmt"
	"io"
	"math"
	"os/exec"
	"strings"
	"time"
)

func init() { registry["logs"] = withSystemLog("darwin", readUnifiedLog) }

// readUnifiedLog counts the error and fault entries of the macOS unified
// log in the window, through `log show` (bounded in entries, bytes and
// time). Other message types are not read: there are far too many.
func readUnifiedLog(ctx context.Context, since time.Time) *logStats {
	st := newStats("unified log", "unifiedlog")
	st.TimeFiltered = true
	path, err := exec.LookPath("log")
	if err != nil {
		path = "/usr/bin/log"
	}
	minutes := int(math.Ceil(time.Since(since).Minutes()))
	cmd := exec.CommandContext(ctx, path, "show", "--last", fmt.Sprintf("%dm", max(minutes, 1)),
		"--predicate", "messageType == error OR messageType == fault", "--style", "ndjson")
	cmd.WaitDelay = time.Second
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	out, err := cmd.StdoutPipe()
	if err != nil {
		st.Error = err.Error()
		return st
	}
	if err := cmd.Start(); err != nil {
		st.Error = fmt.Sprintf("start log show: %v", err)
		return st
	}
	perr := parseUnifiedLog(out, st)
	_, _ = io.Copy(io.Discard, out) // let log show finish if we stopped early
	werr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		st.Error = "log show timed out; counts are partial"
	case perr != nil:
		st.Error = "log show: " + shorten(perr.Error(), 200)
	case werr != nil && st.LinesRead == 0:
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = werr.Error()
		}
		st.Error = "log show: " + shorten(msg, 200)
	}
	st.OK = st.Error == ""
	return st
}
