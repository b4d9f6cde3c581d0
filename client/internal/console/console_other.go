//go:build !windows

package console

import "io"

// InteractiveArgs is called when the client starts without arguments. Off
// Windows there is no double-click start to support: a terminal user gets
// the usage text, so it returns nil.
func InteractiveArgs(in io.Reader, out io.Writer) []string { return nil }

// KeepOpen does nothing off Windows: the terminal outlives us.
func KeepOpen(lines <-chan string, out io.Writer) {}
