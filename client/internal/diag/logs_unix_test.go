//go:build unix

package diag

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/testenv"
)

func TestLogFileMustBeRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		testenv.SkipOrFail(t, "mkfifo: "+err.Error())
	}
	for _, p := range []string{fifo, t.TempDir(), "/dev/null"} {
		st := scanLogFile(p, fixedNow.Add(-time.Hour), fixedNow)
		if st.OK || !strings.Contains(st.Error, "not a regular file") {
			t.Errorf("scanLogFile(%s) ok=%v error=%q, want not a regular file", p, st.OK, st.Error)
		}
	}
}
