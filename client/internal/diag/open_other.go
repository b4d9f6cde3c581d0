//go:build !unix

package diag

import "os"

// openNoBlock opens read-only; there are no FIFOs to block on here.
func openNoBlock(path string) (*os.File, error) { return os.Open(path) }
