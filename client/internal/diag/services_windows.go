//go:build windows

package diag

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"

	"github.com/tetherhq/tether/internal/wire"
)

func init() { registry["services"] = checkServicesWindows }

// maxServices bounds how many services are queried.
const maxServices = 2000

// checkServicesWindows asks the service control manager for every service
// set to start automatically that is not running. One that stopped with an
// error exit code is "failed"; one that stopped cleanly (often a
// trigger-start service with nothing to do) is "stopped". It needs only the
// rights every user has: connect, enumerate, query status and config.
func checkServicesWindows(ctx context.Context, in *input) wire.DiagResult {
	if in.cfg.GOOS != "windows" {
		return checkServices(ctx, in)
	}
	h, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT|windows.SC_MANAGER_ENUMERATE_SERVICE)
	if err != nil {
		return failed(wire.DiagError, err, "open the service control manager")
	}
	m := &mgr.Mgr{Handle: h}
	defer m.Disconnect()
	names, err := m.ListServices()
	if err != nil {
		return failed(wire.DiagError, err, "list services")
	}
	var n notes
	if len(names) > maxServices {
		n.add("%d services, only the first %d were queried", len(names), maxServices)
		names = names[:maxServices]
	}
	failedSvcs, stopped := []unitRow{}, []unitRow{}
	queried := 0
	for _, name := range names {
		if ctx.Err() != nil {
			n.add("stopped early: %v", ctx.Err())
			break
		}
		row, bad, ok := queryService(h, name)
		if !ok {
			continue
		}
		queried++
		switch {
		case row == nil:
		case bad:
			failedSvcs = append(failedSvcs, *row)
		default:
			stopped = append(stopped, *row)
		}
	}
	if len(failedSvcs) > maxUnits {
		failedSvcs = failedSvcs[:maxUnits]
	}
	if len(stopped) > maxUnits {
		stopped = stopped[:maxUnits]
	}
	data := map[string]any{"failed": failedSvcs, "stopped": stopped, "units": queried}
	n.into(data)
	summary := fmt.Sprintf("%d services, %d automatic services failed, %d automatic services not running",
		queried, len(failedSvcs), len(stopped))
	status := wire.DiagOK
	if len(failedSvcs) > 0 {
		status = wire.DiagFail
		var ns []string
		for _, u := range failedSvcs[:min(len(failedSvcs), 5)] {
			ns = append(ns, u.Unit)
		}
		summary = "failed: " + strings.Join(ns, ", ") + "; " + summary
	}
	return wire.DiagResult{Status: status, Summary: summary, Data: data}
}

// queryService returns a row for an automatic service that is not running
// (bad when it exited with an error), nil for any other service, and
// ok=false when the service could not be queried.
func queryService(scm windows.Handle, name string) (row *unitRow, bad, ok bool) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, false, false
	}
	h, err := windows.OpenService(scm, p, windows.SERVICE_QUERY_STATUS|windows.SERVICE_QUERY_CONFIG)
	if err != nil {
		return nil, false, false
	}
	s := &mgr.Service{Name: name, Handle: h}
	defer s.Close()
	st, err := s.Query()
	if err != nil {
		return nil, false, false
	}
	if st.State != svc.Stopped {
		return nil, false, true
	}
	cfg, err := s.Config()
	if err != nil || cfg.StartType != mgr.StartAutomatic {
		return nil, false, err == nil
	}
	start := "auto"
	if cfg.DelayedAutoStart {
		start = "auto (delayed)"
	}
	code := st.Win32ExitCode
	if code == uint32(windows.ERROR_SERVICE_SPECIFIC_ERROR) {
		code = st.ServiceSpecificExitCode
	}
	r := &unitRow{Unit: name, Load: start, Active: "stopped", Sub: "exit " + fmt.Sprint(code), Description: cfg.DisplayName}
	if code != 0 {
		r.Active = "failed"
		return r, true, true
	}
	return r, false, true
}
