//go:build windows

package shell

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// conPTY is a shell on a Windows pseudo console: ConPTY renders the
// console into VT sequences on one pipe and reads keystrokes as VT input
// from another, so the technician's xterm sees what a Unix pty would give.
// The shell and everything it starts run in a job object, so ending the
// session ends the whole tree (the Windows stand-in for a process group).
type conPTY struct {
	hpc  windows.Handle // the pseudo console
	in   *os.File       // our end of the console's input pipe
	out  *os.File       // our end of the console's output pipe
	proc windows.Handle // the shell process
	job  windows.Handle // job holding the shell and its children

	mu            sync.Mutex    // orders Resize before ClosePseudoConsole
	consoleGone   bool          // ClosePseudoConsole was started; hpc must not be used
	consoleClosed chan struct{} // closed when ClosePseudoConsole returned
	closeOnce     sync.Once
}

// startProcess creates a pseudo console of cols×rows and starts cfg.Shell
// attached to it with CreateProcess and PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE.
func startProcess(cfg Config, env []string) (terminal, process, error) {
	path, err := exec.LookPath(cfg.Shell)
	if err != nil {
		return nil, nil, err
	}
	var inR, inW, outR, outW windows.Handle
	if err := windows.CreatePipe(&inR, &inW, nil, 0); err != nil {
		return nil, nil, fmt.Errorf("input pipe: %w", err)
	}
	if err := windows.CreatePipe(&outR, &outW, nil, 0); err != nil {
		closeHandles(inR, inW)
		return nil, nil, fmt.Errorf("output pipe: %w", err)
	}
	var hpc windows.Handle
	size := windows.Coord{X: int16(cfg.Cols), Y: int16(cfg.Rows)}
	err = windows.CreatePseudoConsole(size, inR, outW, 0, &hpc)
	// The console holds its own copies of its pipe ends.
	closeHandles(inR, outW)
	if err != nil {
		closeHandles(inW, outR)
		return nil, nil, fmt.Errorf("create pseudo console: %w", err)
	}
	c := &conPTY{
		hpc:           hpc,
		in:            os.NewFile(uintptr(inW), "conpty-in"),
		out:           os.NewFile(uintptr(outR), "conpty-out"),
		consoleClosed: make(chan struct{}),
	}
	if err := c.spawn(path, cfg, env); err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, c, nil
}

// spawn starts the shell suspended, puts it in a kill-on-close job, then
// lets it run, so no child can escape the job by starting early.
func (c *conPTY) spawn(path string, cfg Config, env []string) error {
	attrs, err := windows.NewProcThreadAttributeList(1)
	if err != nil {
		return fmt.Errorf("attribute list: %w", err)
	}
	defer attrs.Delete()
	// The attribute's value is the HPCON itself, not a pointer to it. It
	// points into the Windows heap, never Go's, so the GC ignores it.
	hpc := *(*unsafe.Pointer)(unsafe.Pointer(&c.hpc))
	if err := attrs.Update(windows.PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE, hpc, unsafe.Sizeof(c.hpc)); err != nil {
		return fmt.Errorf("attach pseudo console: %w", err)
	}
	si := &windows.StartupInfoEx{ProcThreadAttributeList: attrs.List()}
	si.Cb = uint32(unsafe.Sizeof(*si))
	// Empty standard handles: the shell must use the pseudo console, not
	// whatever this client's own stdio is redirected to.
	si.Flags = windows.STARTF_USESTDHANDLES

	argv0, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	cmdline, err := windows.UTF16PtrFromString(windows.ComposeCommandLine(append([]string{path}, cfg.Args...)))
	if err != nil {
		return err
	}
	var dir *uint16
	if cfg.Dir != "" {
		if dir, err = windows.UTF16PtrFromString(cfg.Dir); err != nil {
			return err
		}
	}
	block, err := envBlock(env)
	if err != nil {
		return err
	}
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return fmt.Errorf("job object: %w", err)
	}
	c.job = job
	limits := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	limits.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&limits)), uint32(unsafe.Sizeof(limits))); err != nil {
		return fmt.Errorf("job limits: %w", err)
	}

	var pi windows.ProcessInformation
	flags := uint32(windows.CREATE_UNICODE_ENVIRONMENT | windows.EXTENDED_STARTUPINFO_PRESENT | windows.CREATE_SUSPENDED)
	if err := windows.CreateProcess(argv0, cmdline, nil, nil, false, flags, &block[0], dir, &si.StartupInfo, &pi); err != nil {
		return fmt.Errorf("CreateProcess: %w", err)
	}
	defer windows.CloseHandle(pi.Thread)
	c.proc = pi.Process
	if err := windows.AssignProcessToJobObject(job, pi.Process); err != nil {
		// Rare (a parent job that forbids nesting): run without the job;
		// kill then ends the shell only, not what it started.
		_ = windows.CloseHandle(job)
		c.job = 0
	}
	if _, err := windows.ResumeThread(pi.Thread); err != nil {
		_ = windows.TerminateProcess(pi.Process, 1)
		return fmt.Errorf("resume: %w", err)
	}
	return nil
}

func (c *conPTY) Read(p []byte) (int, error)  { return c.out.Read(p) }
func (c *conPTY) Write(p []byte) (int, error) { return c.in.Write(p) }

func (c *conPTY) Resize(cols, rows int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.consoleGone {
		return ErrClosed
	}
	return windows.ResizePseudoConsole(c.hpc, windows.Coord{X: int16(cols), Y: int16(rows)})
}

// closeConsole closes the pseudo console once, in the background: attached
// processes get CTRL_CLOSE_EVENT, and the console writes its last frame and
// closes its end of the output pipe, so Read returns io.EOF. Before Windows
// 11 24H2 ClosePseudoConsole blocks until that output is read, hence the
// goroutine; Close waits for it after closing our end of the pipe.
func (c *conPTY) closeConsole() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.consoleGone {
		return
	}
	c.consoleGone = true
	go func() {
		windows.ClosePseudoConsole(c.hpc)
		close(c.consoleClosed)
	}()
}

// wait waits for the shell to exit, then closes the console so that the
// reader sees the end of the output.
func (c *conPTY) wait() (int, error) {
	defer c.closeConsole()
	if _, err := windows.WaitForSingleObject(c.proc, windows.INFINITE); err != nil {
		return -1, fmt.Errorf("wait: %w", err)
	}
	var code uint32
	if err := windows.GetExitCodeProcess(c.proc, &code); err != nil {
		return -1, fmt.Errorf("exit code: %w", err)
	}
	return int(code), nil
}

func (c *conPTY) hangup() { c.closeConsole() }

func (c *conPTY) kill() {
	if c.job != 0 {
		_ = windows.TerminateJobObject(c.job, 1)
	}
	if c.proc != 0 {
		_ = windows.TerminateProcess(c.proc, 1)
	}
}

// Close releases the console, both pipes, and the job (which ends anything
// the shell left running).
func (c *conPTY) Close() error {
	c.closeOnce.Do(func() {
		c.closeConsole()
		_ = c.in.Close()
		_ = c.out.Close() // unblocks a console still flushing its last frame
		<-c.consoleClosed
		closeHandles(c.job, c.proc)
	})
	return nil
}

func closeHandles(hs ...windows.Handle) {
	for _, h := range hs {
		if h != 0 {
			_ = windows.CloseHandle(h)
		}
	}
}

func defaultWindowsShell() string { return windowsShell(exec.LookPath, os.Getenv) }
