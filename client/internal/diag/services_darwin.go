//go:build darwin

package diag

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strings"

	"github.com/tetherhq/tether/internal/wire"
)

func init() { registry["services"] = checkServicesDarwin }

// checkServicesDarwin lists the launchd jobs of this user's session
// (`launchctl list`; system daemons need root) and reports those not
// running whose last exit was an error or a signal. Many agents exit with
// a status now and then, so that is a warning, not a failure.
func checkServicesDarwin(ctx context.Context, in *input) wire.DiagResult {
	if in.cfg.GOOS != "darwin" {
		return checkServices(ctx, in)
	}
	path, err := exec.LookPath("launchctl")
	if err != nil {
		return skipped("launchctl not found")
	}
	out, err := runBounded(ctx, path, "list")
	if err != nil {
		return failed(wire.DiagError, err, "launchctl list")
	}
	jobs, err := parseLaunchctl(bytes.NewReader(out))
	var n notes
	if err != nil {
		n.add("launchctl list output cut short: %v", err)
	}
	running := 0
	failedJobs := []launchdJob{}
	for _, j := range jobs {
		switch {
		case j.PID > 0:
			running++
		case j.LastStatus != 0:
			failedJobs = append(failedJobs, j)
		}
	}
	sort.Slice(failedJobs, func(a, b int) bool { return failedJobs[a].Label < failedJobs[b].Label })
	if len(failedJobs) > maxUnits {
		failedJobs = failedJobs[:maxUnits]
	}
	data := map[string]any{"failed": failedJobs, "jobs": len(jobs), "running": running, "domain": "user"}
	n.into(data)
	summary := fmt.Sprintf("%d launchd jobs in this session, %d running, %d last exited with an error", len(jobs), running, len(failedJobs))
	status := wire.DiagOK
	if len(failedJobs) > 0 {
		status = wire.DiagWarn
		var names []string
		for _, j := range failedJobs[:min(len(failedJobs), 5)] {
			names = append(names, j.Label)
		}
		summary = "exited with an error: " + strings.Join(names, ", ") + "; " + summary
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}
