package diag

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

const (
	maxUnits       = 200
	maxSystemctlIO = 4 << 20
)

// unitRow is one row of data["failed"] and data["stopped"].
type unitRow struct {
	Unit        string `json:"unit"`
	Load        string `json:"load"`
	Active      string `json:"active"`
	Sub         string `json:"sub"`
	Description string `json:"description,omitempty"`
}

// checkServices lists failed systemd units, and enabled services that are
// not running. It needs systemd; elsewhere it is skipped.
func checkServices(ctx context.Context, in *input) wire.DiagResult {
	if in.cfg.GOOS != "linux" {
		return skipped("service status is read from systemd on Linux only for now (this is %s)", in.cfg.GOOS)
	}
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		return skipped("systemd is not running on this machine (no /run/systemd/system)")
	}
	systemctl, err := exec.LookPath("systemctl")
	if err != nil {
		return skipped("systemctl not found")
	}
	out, err := runBounded(ctx, systemctl, "list-units", "--all", "--no-legend", "--plain", "--no-pager")
	if err != nil {
		return failed(wire.DiagError, err, "systemctl list-units")
	}
	units := parseUnits(out)
	enabledOut, err := runBounded(ctx, systemctl, "list-unit-files", "--type=service", "--state=enabled", "--no-legend", "--no-pager")
	var n notes
	if err != nil {
		n.add("enabled services unknown: %v", err)
	}
	enabled := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(enabledOut))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			enabled[f[0]] = true
		}
	}
	failedUnits, stopped := []unitRow{}, []unitRow{}
	for _, u := range units {
		switch {
		case u.Active == "failed":
			failedUnits = append(failedUnits, u)
		case enabled[u.Unit] && u.Active == "inactive" && u.Sub == "dead":
			stopped = append(stopped, u)
		}
	}
	if len(failedUnits) > maxUnits {
		failedUnits = failedUnits[:maxUnits]
	}
	if len(stopped) > maxUnits {
		stopped = stopped[:maxUnits]
	}
	data := map[string]any{"failed": failedUnits, "stopped": stopped, "units": len(units)}
	n.into(data)
	summary := fmt.Sprintf("%d units loaded, %d failed, %d enabled services not running", len(units), len(failedUnits), len(stopped))
	status := wire.DiagOK
	if len(failedUnits) > 0 {
		status = wire.DiagFail
		var names []string
		for _, u := range failedUnits[:min(len(failedUnits), 5)] {
			names = append(names, u.Unit)
		}
		summary = "failed: " + strings.Join(names, ", ") + "; " + summary
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}

// parseUnits reads `systemctl list-units --plain --no-legend` lines:
// UNIT LOAD ACTIVE SUB DESCRIPTION...
func parseUnits(out []byte) []unitRow {
	var rows []unitRow
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(strings.TrimLeft(sc.Text(), "● *"))
		if len(f) < 4 {
			continue
		}
		rows = append(rows, unitRow{Unit: f[0], Load: f[1], Active: f[2], Sub: f[3], Description: strings.Join(f[4:], " ")})
	}
	return rows
}

// runBounded runs a command under ctx and returns at most maxSystemctlIO
// bytes of its output.
func runBounded(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = time.Second
	var buf bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &buf, n: maxSystemctlIO}
	cmd.Stderr = io.Discard
	if err := cmd.Run(); err != nil && buf.Len() == 0 {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return buf.Bytes(), nil
}
