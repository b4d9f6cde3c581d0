package testenv

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records whether the test was skipped or
// failed. Skip and Fatalf end the calling goroutine, as testing's do.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestSkipOrFail(t *testing.T) {
	for _, tt := range []struct {
		ci                 string
		wantSkip, wantFail bool
	}{
		{"", true, false},
		{"false", true, false},
		{"1", true, false}, // only the exact "true" that .ci/run sets
		{"true", false, true},
	} {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() { defer close(done); SkipOrFail(r, "Xvfb is not installed") }()
			<-done
			if r.skipped != tt.wantSkip || r.failed != tt.wantFail {
				t.Errorf("skipped=%v failed=%v, want skipped=%v failed=%v", r.skipped, r.failed, tt.wantSkip, tt.wantFail)
			}
			if !strings.Contains(r.msg, "Xvfb is not installed") {
				t.Errorf("message %q does not carry the reason", r.msg)
			}
		})
	}
}
