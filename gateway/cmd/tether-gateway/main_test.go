package main

import (
	"bytes"
	"strings"
	"testing"
)

// The operator commands are tested in package admin; this checks that the
// binary hands them over and keeps its own usage errors.
func TestRunDispatch(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{nil, 2, "Usage:"},
		{[]string{"nonsense"}, 2, `unknown command "nonsense"`},
		{[]string{"user", "add"}, 2, "--name and --role are required"},
		{[]string{"audit", "verify", "--data", "/nonexistent/tether-data"}, 1, "tether-gateway audit verify:"},
		{[]string{"recording", "verify"}, 2, "give one recording FILE"},
		{[]string{"version"}, 0, "tether-gateway"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code := run(tt.args, strings.NewReader(""), &out, &out)
		if code != tt.wantCode || !strings.Contains(out.String(), tt.want) {
			t.Errorf("run(%q): exit %d, output %q; want exit %d and %q", tt.args, code, out.String(), tt.wantCode, tt.want)
		}
	}
}
