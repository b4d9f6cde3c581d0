// Package diagdiff compares two diagnostics reports from the same machine,
// typically before and after a technician's fix, so the ticket can show
// "disk / went from 98 % to 61 %, dns now ok" instead of two walls of JSON.
// It works on reports as the gateway stores them (JSON decoded), so numbers
// in result data are compared whatever Go types produced them.
package diagdiff

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"

	"github.com/tetherhq/tether/internal/wire"
)

// Kinds of change.
const (
	KindStatus  = "status"  // a check's status changed
	KindAdded   = "added"   // a check only in the after report
	KindRemoved = "removed" // a check only in the before report
	KindMetric  = "metric"  // a watched number in a check's data moved notably
)

// Directions of a change.
const (
	Better = "better"
	Worse  = "worse"
)

// Change is one difference between two reports.
type Change struct {
	Check string `json:"check"`
	Kind  string `json:"kind"`
	// Field is the metric's path in the check's data, with list entries
	// named by their id, e.g. "mounts[/var].used_percent".
	Field     string  `json:"field,omitempty"`
	Before    string  `json:"before,omitempty"`
	After     string  `json:"after,omitempty"`
	Delta     float64 `json:"delta,omitempty"`
	Direction string  `json:"direction,omitempty"` // better, worse or "" when neither
}

// Comparison is the result of Compare.
type Comparison struct {
	BeforeID string   `json:"before_id"`
	AfterID  string   `json:"after_id"`
	Changes  []Change `json:"changes"`
	Better   int      `json:"better"` // changes for the better
	Worse    int      `json:"worse"`  // changes for the worse
	// SetupDifferences lists how the two runs were asked different things
	// (runbook, checks, parameters); empty when they were asked the same.
	// With any, the changes are not like for like (see setup.go).
	SetupDifferences []SetupDifference `json:"setup_differences"`
}

// metricRule watches one kind of number in one check's data.
type metricRule struct {
	check         string
	pattern       string  // path with list ids removed: "mounts[].used_percent"
	minDelta      float64 // smaller moves are noise
	higherIsWorse bool    // false: direction not judged
}

var rules = []metricRule{
	{"disks", "mounts[].used_percent", 1, true},
	{"disks", "mounts[].inodes_used_percent", 1, true},
	{"memory", "used_percent", 5, true},
	{"memory", "swap_used_percent", 5, true},
	{"cpu", "usage_percent", 20, true},
	{"cpu", "load1_per_core", 0.5, true},
	{"processes", "zombie_count", 1, true},
	{"logs", "counts.error", 1, true},
	{"logs", "counts.warn", 5, true},
	{"dns", "lookups[].duration_ms", 200, true},
	{"connectivity", "targets[].latency_ms", 100, true},
	{"connectivity", "targets[].status_code", 1, false},
	{"connectivity", "targets[].cert.days_left", 1, false},
}

// Compare lists what changed from before to after: status changes, checks
// that appear or disappear, and notable moves of the watched numbers; and
// how the two runs were set up differently.
func Compare(before, after wire.DiagReport) Comparison {
	c := Comparison{BeforeID: before.ID, AfterID: after.ID, Changes: []Change{}, SetupDifferences: setupDifferences(before, after)}
	b := index(before.Results)
	a := index(after.Results)
	var names []string
	for _, r := range after.Results {
		names = append(names, r.Name)
	}
	for _, r := range before.Results {
		if _, ok := a[r.Name]; !ok {
			names = append(names, r.Name)
		}
	}
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		rb, inB := b[name]
		ra, inA := a[name]
		switch {
		case !inB:
			c.add(Change{Check: name, Kind: KindAdded, After: ra.Status})
			continue
		case !inA:
			c.add(Change{Check: name, Kind: KindRemoved, Before: rb.Status})
			continue
		}
		if rb.Status != ra.Status {
			ch := Change{Check: name, Kind: KindStatus, Before: rb.Status, After: ra.Status}
			switch d := rank(ra.Status) - rank(rb.Status); {
			case d > 0:
				ch.Direction = Worse
			case d < 0:
				ch.Direction = Better
			}
			c.add(ch)
		}
		for _, ch := range metricChanges(name, rb.Data, ra.Data) {
			c.add(ch)
		}
	}
	return c
}

func (c *Comparison) add(ch Change) {
	c.Changes = append(c.Changes, ch)
	switch ch.Direction {
	case Better:
		c.Better++
	case Worse:
		c.Worse++
	}
}

func index(rs []wire.DiagResult) map[string]wire.DiagResult {
	m := make(map[string]wire.DiagResult, len(rs))
	for _, r := range rs {
		if _, dup := m[r.Name]; !dup {
			m[r.Name] = r
		}
	}
	return m
}

// rank orders statuses from good to bad; skipped counts as neutral.
func rank(s string) int {
	switch s {
	case wire.DiagWarn:
		return 1
	case wire.DiagFail:
		return 2
	case wire.DiagError:
		return 3
	}
	return 0
}

func metricChanges(check string, before, after map[string]any) []Change {
	var ours []metricRule
	for _, r := range rules {
		if r.check == check {
			ours = append(ours, r)
		}
	}
	if len(ours) == 0 {
		return nil
	}
	mb, ma := flatten(before), flatten(after)
	var paths []string
	for p := range ma {
		if _, ok := mb[p]; ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var out []Change
	for _, p := range paths {
		pat := listIDs.ReplaceAllString(p, "[]")
		for _, r := range ours {
			if r.pattern != pat {
				continue
			}
			d := ma[p] - mb[p]
			if math.Abs(d) < r.minDelta {
				continue
			}
			ch := Change{Check: check, Kind: KindMetric, Field: p, Before: num(mb[p]), After: num(ma[p]), Delta: round2(d)}
			if r.higherIsWorse {
				ch.Direction = Better
				if d > 0 {
					ch.Direction = Worse
				}
			}
			out = append(out, ch)
		}
	}
	return out
}

var listIDs = regexp.MustCompile(`\[[^\]]*\]`)

// idKeys name list entries in paths, first match wins.
var idKeys = []string{"mountpoint", "target", "name", "source", "unit", "interface", "pid"}

const (
	maxDepth  = 6
	maxLeaves = 5000
)

// flatten maps every number in data to its path. It goes through JSON so
// typed structs and decoded maps look the same.
func flatten(data map[string]any) map[string]float64 {
	out := map[string]float64{}
	b, err := json.Marshal(data)
	if err != nil {
		return out
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return out
	}
	walk(v, "", 0, out)
	return out
}

func walk(v any, path string, depth int, out map[string]float64) {
	if depth > maxDepth || len(out) >= maxLeaves {
		return
	}
	switch t := v.(type) {
	case float64:
		out[path] = t
	case map[string]any:
		for k, child := range t {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walk(child, p, depth+1, out)
		}
	case []any:
		for i, child := range t {
			id := strconv.Itoa(i)
			if m, ok := child.(map[string]any); ok {
				for _, k := range idKeys {
					if s, ok := m[k]; ok {
						id = fmt.Sprint(s)
						break
					}
				}
			}
			walk(child, path+"["+id+"]", depth+1, out)
		}
	}
}

func num(f float64) string { return strconv.FormatFloat(round2(f), 'f', -1, 64) }

func round2(f float64) float64 { return math.Round(f*100) / 100 }
