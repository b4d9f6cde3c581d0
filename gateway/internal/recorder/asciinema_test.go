package recorder

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"testing"
	"time"

	"github.com/creack/pty"
)

// runAsciinemaCat runs `asciinema cat path` on a pseudo-terminal (it opens
// /dev/tty) and returns what it printed.
func runAsciinemaCat(t *testing.T, bin, path string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "cat", path)
	home := t.TempDir()
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "ASCIINEMA_CONFIG_HOME=" + home}
	ptmx, err := pty.Start(cmd)
	if err != nil {
		return "", err
	}
	defer ptmx.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(&out, ptmx) // ends with EIO when the child exits
	}()
	werr := cmd.Wait()
	ptmx.Close()
	<-done
	return out.String(), werr
}
