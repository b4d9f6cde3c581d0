package shell

import (
	"errors"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

func TestWindowsShell(t *testing.T) {
	const psFull = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	tests := []struct {
		name  string
		found map[string]string // name looked up → path found
		env   map[string]string
		want  string
	}{
		{"pwsh first", map[string]string{"pwsh.exe": `C:\pwsh\pwsh.exe`, "powershell.exe": psFull}, nil, `C:\pwsh\pwsh.exe`},
		{"windows powershell on PATH", map[string]string{"powershell.exe": psFull}, nil, psFull},
		{"powershell off PATH under SystemRoot", map[string]string{psFull: psFull}, map[string]string{"SystemRoot": `C:\Windows\`}, psFull},
		{"ComSpec when no PowerShell", nil, map[string]string{"SystemRoot": `C:\Windows`, "ComSpec": `C:\Windows\system32\cmd.exe`}, `C:\Windows\system32\cmd.exe`},
		{"ComSpec that is not an exe is ignored", nil, map[string]string{"ComSpec": `C:\evil.bat`}, "cmd.exe"},
		{"nothing at all", nil, nil, "cmd.exe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			look := func(name string) (string, error) {
				if p, ok := tt.found[name]; ok {
					return p, nil
				}
				return "", errors.New("not found")
			}
			getenv := func(k string) string { return tt.env[k] }
			if got := windowsShell(look, getenv); got != tt.want {
				t.Errorf("windowsShell: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnvBlock(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		want    string
		wantErr bool
	}{
		{"two vars", []string{"A=1", "TERM=xterm-256color"}, "A=1\x00TERM=xterm-256color\x00\x00", false},
		{"non-ASCII", []string{"NAME=Zoë 名"}, "NAME=Zoë 名\x00\x00", false},
		{"empty", nil, "\x00\x00", false},
		{"NUL inside", []string{"A=1\x00B=2"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := envBlock(tt.env)
			if (err != nil) != tt.wantErr {
				t.Fatalf("envBlock: got error %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if diff := cmp.Diff(tt.want, string(utf16.Decode(got))); diff != "" {
				t.Errorf("envBlock (-want +got):\n%s", diff)
			}
		})
	}
}
