package diagdiff

import (
	"slices"
	"strings"

	"github.com/tetherhq/tether/internal/wire"
)

// SetupDifference is one way the two runs were not asked the same thing:
// a different runbook, other checks, other parameters. A comparison with
// any is not like for like: a check "added" may only have been asked for
// this time, a latency may differ because the target did.
type SetupDifference struct {
	// What names the setting: "runbook", "checks", "params.targets",
	// "params.names", "params.log_files", "params.since" or "request".
	What   string `json:"what"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// setupDifferences compares what the two runs were asked. Reports stored
// before the request was kept (Request nil) are compared by the checks
// they hold, and the missing parameters are named as a difference.
func setupDifferences(before, after wire.DiagReport) []SetupDifference {
	out := []SetupDifference{}
	if before.Runbook != after.Runbook {
		out = append(out, SetupDifference{What: "runbook", Before: orNone(before.Runbook), After: orNone(after.Runbook)})
	}
	if bc, ac := checksOf(before), checksOf(after); !slices.Equal(bc, ac) {
		out = append(out, SetupDifference{What: "checks", Before: strings.Join(bc, ", "), After: strings.Join(ac, ", ")})
	}
	switch {
	case before.Request == nil && after.Request == nil:
		return out
	case before.Request == nil || after.Request == nil:
		b, a := "recorded", "recorded"
		if before.Request == nil {
			b = "not recorded (older report)"
		}
		if after.Request == nil {
			a = "not recorded (older report)"
		}
		return append(out, SetupDifference{What: "request", Before: b, After: a})
	}
	bp, ap := before.Request.Params, after.Request.Params
	for _, f := range []struct {
		what string
		b, a []string
	}{
		{"params.targets", bp.Targets, ap.Targets},
		{"params.names", bp.Names, ap.Names},
		{"params.log_files", bp.LogFiles, ap.LogFiles},
	} {
		b, a := sorted(f.b), sorted(f.a)
		if !slices.Equal(b, a) {
			out = append(out, SetupDifference{What: f.what, Before: orNone(strings.Join(b, ", ")), After: orNone(strings.Join(a, ", "))})
		}
	}
	if bs, as := bp.SinceDuration(), ap.SinceDuration(); bs != as {
		out = append(out, SetupDifference{What: "params.since", Before: bs.String(), After: as.String()})
	}
	return out
}

// checksOf is the sorted set of checks a run was asked for (every check when
// the request named none), or for an older report the checks it holds.
func checksOf(r wire.DiagReport) []string {
	var names []string
	switch {
	case r.Request != nil && len(r.Request.Checks) > 0:
		names = r.Request.Checks
	case r.Request != nil:
		names = wire.DiagChecks
	default:
		for _, res := range r.Results {
			names = append(names, res.Name)
		}
	}
	return sorted(names)
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
