// Package diag runs Tether's read-only health checks on the end user's
// machine. A technician asks for checks over the tether-diag channel; the
// agent hands the parsed wire.DiagRequest to a Runner, which runs every check
// in parallel under its own timeout and streams each wire.DiagResult as it
// finishes. Checks only read: they never change the machine, and text that
// leaves it (log lines) goes through Redact first.
//
//	wire.DiagRequest ──► Runner.Run ──► semaphore (Parallel) ──► check(ctx with Timeout)
//	                                                        └──► emit(result) per check
//
// A check that panics, fails to start or overruns its timeout becomes a
// result with status "error"; the other checks are unaffected.
package diag

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// Config configures a Runner. The zero value is usable.
type Config struct {
	// Timeout bounds each check; default 5s.
	Timeout time.Duration
	// Timeouts overrides Timeout for named checks.
	Timeouts map[string]time.Duration
	// Parallel is how many checks run at once; default 4.
	Parallel int
	// Clock returns the current time; default time.Now. It dates log windows
	// and measures durations.
	Clock func() time.Time
	// Log receives the runner's own events; default slog.Default().
	Log *slog.Logger
	// RootCAs verifies TLS servers in the connectivity check; nil means the
	// system roots.
	RootCAs *x509.CertPool
	// DefaultTargets are probed by connectivity when the request names no
	// targets (typically the gateway's host:port).
	DefaultTargets []string
	// Files decides which log files may be read; default the standard log
	// locations only, nobody asked (NewFilePolicy with a zero config).
	Files *FilePolicy
	// MaxHosts bounds the targets (connectivity) and names (dns) of one run;
	// default and ceiling wire.MaxDiagHosts.
	MaxHosts int
	// GOOS is the operating system the checks believe they run on; default
	// runtime.GOOS. Tests set it to see the "skipped" paths.
	GOOS string

	// extraChecks adds checks by name (tests only).
	extraChecks map[string]checkFunc
}

// checkFunc runs one check. It fills Status, Summary and Data; the runner
// sets Name and DurationMS. It must return soon after ctx is done.
type checkFunc func(ctx context.Context, in *input) wire.DiagResult

// input is what a check may read.
type input struct {
	params wire.DiagParams
	cfg    *Config
	now    time.Time // when the run started
	// grants are the decisions on params.LogFiles, made before the checks
	// start (the user may be asked); nil: decide in checkLogs, never asking.
	grants []fileGrant
	access func(Access) // never concurrent; nil: nobody listens
}

// Options are the hooks of one run.
type Options struct {
	// Emit, when not nil, is called once per result as soon as it is
	// ready, never concurrently.
	Emit func(wire.DiagResult)
	// Access, when not nil, hears of every file read or refused and every
	// host contacted or name looked up, as it happens, never concurrently.
	Access func(Access)
	// Actor is who asked, as named in questions to the user ("Alice").
	Actor string
}

// Runner runs diagnostics. It is safe for concurrent use.
type Runner struct {
	cfg    Config
	checks map[string]checkFunc
	order  []string // default sweep
	log    *slog.Logger
}

// New returns a Runner with defaults filled in.
func New(cfg Config) (*Runner, error) {
	if cfg.Timeout < 0 || cfg.Parallel < 0 {
		return nil, errors.New("diag: negative timeout or parallelism")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = 4
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.GOOS == "" {
		cfg.GOOS = runtime.GOOS
	}
	if cfg.MaxHosts <= 0 || cfg.MaxHosts > wire.MaxDiagHosts {
		cfg.MaxHosts = wire.MaxDiagHosts
	}
	if cfg.Files == nil {
		p, err := NewFilePolicy(FilePolicyConfig{})
		if err != nil {
			return nil, err
		}
		cfg.Files = p
	}
	r := &Runner{cfg: cfg, checks: map[string]checkFunc{}, log: cfg.Log.With("component", "diag")}
	for _, name := range wire.DiagChecks {
		fn, ok := registry[name]
		if !ok {
			return nil, fmt.Errorf("diag: check %q has no implementation", name)
		}
		r.checks[name] = fn
		r.order = append(r.order, name)
	}
	for name, fn := range cfg.extraChecks {
		if _, dup := r.checks[name]; !dup {
			r.order = append(r.order, name)
		}
		r.checks[name] = fn
	}
	return r, nil
}

// Run runs the requested checks (every check when req.Checks is empty) and
// returns their results in request order. emit, when not nil, is called once
// per result as soon as it is ready, never concurrently. Cancelling ctx stops
// the run: checks not started report "error".
func (r *Runner) Run(ctx context.Context, req wire.DiagRequest, emit func(wire.DiagResult)) []wire.DiagResult {
	return r.RunWith(ctx, req, Options{Emit: emit})
}

// RunWith is Run with every hook. Named log files are decided first (the
// user may be asked, for up to the policy's AskTimeout, before any check's
// own timeout starts).
func (r *Runner) RunWith(ctx context.Context, req wire.DiagRequest, opts Options) []wire.DiagResult {
	names := req.Checks
	if len(names) == 0 {
		names = r.order
	}
	var accessMu sync.Mutex
	in := &input{params: req.Params, cfg: &r.cfg}
	if opts.Access != nil {
		in.access = func(a Access) {
			accessMu.Lock()
			defer accessMu.Unlock()
			opts.Access(a)
		}
	}
	if slices.Contains(names, "logs") && len(req.Params.LogFiles) > 0 {
		in.grants = r.cfg.Files.decide(ctx, opts.Actor, req.Params.LogFiles, true)
	}
	in.now = r.cfg.Clock()
	results := make([]wire.DiagResult, len(names))
	var (
		emitMu sync.Mutex
		wg     sync.WaitGroup
		sem    = make(chan struct{}, r.cfg.Parallel)
	)
	emit := opts.Emit
	deliver := func(i int, res wire.DiagResult) {
		results[i] = res
		if emit != nil {
			emitMu.Lock()
			defer emitMu.Unlock()
			emit(res)
		}
	}
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				deliver(i, wire.DiagResult{Name: name, Status: wire.DiagError,
					Summary: "not run: " + context.Cause(ctx).Error(), Data: map[string]any{}})
				return
			}
			defer func() { <-sem }()
			deliver(i, r.runOne(ctx, name, in))
		}()
	}
	wg.Wait()
	return results
}

// runOne runs a single check under its timeout and turns panics and
// overruns into "error" results.
func (r *Runner) runOne(parent context.Context, name string, in *input) wire.DiagResult {
	start := r.cfg.Clock()
	finish := func(res wire.DiagResult) wire.DiagResult {
		res.Name = name
		res.DurationMS = r.cfg.Clock().Sub(start).Milliseconds()
		if res.Data == nil {
			res.Data = map[string]any{}
		}
		if res.Summary == "" {
			res.Summary = res.Status
		}
		return res
	}
	fn, ok := r.checks[name]
	if !ok {
		return finish(wire.DiagResult{Status: wire.DiagError, Summary: fmt.Sprintf("unknown check %q", name)})
	}
	timeout := r.cfg.Timeout
	if t, ok := r.cfg.Timeouts[name]; ok && t > 0 {
		timeout = t
	}
	ctx, cancel := context.WithTimeoutCause(parent, timeout, fmt.Errorf("check %s timed out after %s", name, timeout))
	defer cancel()

	done := make(chan wire.DiagResult, 1)
	// The check goroutine is owned by this call: it is cancelled through ctx
	// and every check returns soon after that. A check stuck in a system call
	// that ignores ctx is abandoned (logged) rather than blocking the run.
	go func() {
		defer func() {
			if p := recover(); p != nil {
				r.log.Error("check panicked", "check", name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				done <- wire.DiagResult{Status: wire.DiagError, Summary: fmt.Sprintf("check crashed: %v", p)}
			}
		}()
		done <- fn(ctx, in)
	}()
	select {
	case res := <-done:
		if ctx.Err() != nil && res.Status != wire.DiagSkipped {
			// Finished, but only because it was cut short.
			return finish(wire.DiagResult{Status: wire.DiagError, Summary: context.Cause(ctx).Error(), Data: res.Data})
		}
		if !validStatus(res.Status) {
			res = wire.DiagResult{Status: wire.DiagError, Summary: fmt.Sprintf("check returned invalid status %q", res.Status)}
		}
		return finish(res)
	case <-ctx.Done():
		select {
		case <-done: // give it a moment to notice the cancellation
		case <-time.After(250 * time.Millisecond):
			r.log.Warn("check did not stop after its timeout", "check", name)
		}
		return finish(wire.DiagResult{Status: wire.DiagError, Summary: context.Cause(ctx).Error()})
	}
}

func validStatus(s string) bool {
	for _, v := range wire.DiagStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Report runs req and wraps the results in a report for session sessionID.
// The gateway normally builds the report itself from the streamed results;
// this is for local use (the client's --diagnose flag, benchmarks).
func (r *Runner) Report(ctx context.Context, id, sessionID string, req wire.DiagRequest) wire.DiagReport {
	start := r.cfg.Clock()
	res := r.Run(ctx, req, nil)
	return wire.DiagReport{ID: id, SessionID: sessionID, StartedAt: start.UTC(),
		DurationMS: r.cfg.Clock().Sub(start).Milliseconds(), Results: res}
}
