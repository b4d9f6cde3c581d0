package window

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// OpenBrowser opens url in the user's browser: $BROWSER first (Unix: a
// program, or a command with %s; the first of a colon-separated list),
// then the system's opener. The program is started, not waited for, and
// never through a shell.
func OpenBrowser(url string) error {
	argv := browserFromEnv(os.Getenv("BROWSER"), url)
	if argv == nil {
		argv = append(systemOpener(runtime.GOOS), url)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }() // reap it; the browser outlives us or not
	return nil
}

// browserFromEnv turns $BROWSER into a command line, or nil.
func browserFromEnv(env, url string) []string {
	if env == "" || runtime.GOOS == "windows" {
		return nil
	}
	first, _, _ := strings.Cut(env, ":")
	f := strings.Fields(first)
	if len(f) == 0 {
		return nil
	}
	replaced := false
	for i, a := range f {
		if strings.Contains(a, "%s") {
			f[i] = strings.ReplaceAll(a, "%s", url)
			replaced = true
		}
	}
	if !replaced {
		f = append(f, url)
	}
	return f
}

// systemOpener is the desktop's "open this URL" program for goos.
func systemOpener(goos string) []string {
	switch goos {
	case "windows":
		// rundll32 opens a URL in the default browser without a console
		// window and without cmd.exe's quoting ("start" would read & in it).
		return []string{"rundll32", "url.dll,FileProtocolHandler"}
	case "darwin":
		return []string{"open"}
	}
	return []string{"xdg-open"}
}
