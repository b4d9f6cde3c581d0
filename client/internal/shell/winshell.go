package shell

import (
	"errors"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

// This file holds the portable halves of the Windows shell, tested on every OS.

// windowsShell chooses the shell for a Windows session: PowerShell 7
// (pwsh.exe) or Windows PowerShell when either is present, else the command
// interpreter named by %ComSpec%, else cmd.exe. It is portable so that the
// choice is tested everywhere; lookPath and getenv are exec.LookPath and
// os.Getenv in production.
func windowsShell(lookPath func(string) (string, error), getenv func(string) string) string {
	for _, name := range []string{"pwsh.exe", "powershell.exe"} {
		if p, err := lookPath(name); err == nil {
			return p
		}
	}
	if root := getenv("SystemRoot"); root != "" {
		// PowerShell is usually here even when PATH was trimmed.
		p := joinWindows(root, `System32\WindowsPowerShell\v1.0\powershell.exe`)
		if _, err := lookPath(p); err == nil {
			return p
		}
	}
	if c := getenv("ComSpec"); c != "" && strings.EqualFold(filepath.Ext(c), ".exe") {
		return c
	}
	return "cmd.exe"
}

// joinWindows joins with a backslash whatever OS the test runs on.
func joinWindows(dir, rel string) string {
	return strings.TrimRight(dir, `\/`) + `\` + rel
}

// envBlock encodes env as CreateProcess wants it: NUL-separated UTF-16
// KEY=value strings ending with an extra NUL.
func envBlock(env []string) ([]uint16, error) {
	var b []uint16
	for _, kv := range env {
		if strings.IndexByte(kv, 0) >= 0 {
			return nil, errors.New("environment variable contains NUL")
		}
		b = append(b, utf16.Encode([]rune(kv))...)
		b = append(b, 0)
	}
	if len(b) == 0 {
		b = append(b, 0)
	}
	return append(b, 0), nil
}
