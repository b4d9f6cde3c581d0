//go:build unix

package diag

import (
	"os"
	"syscall"
)

// openNoBlock opens read-only with O_NONBLOCK, so a path swapped for a FIFO
// between stat and open cannot hang the check. Reads from regular files
// ignore the flag. O_NOFOLLOW: the paths opened are already resolved by
// the FilePolicy, so a final symbolic link here was swapped in since.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
}
