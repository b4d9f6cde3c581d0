//go:build !windows

package main

import "io"

// interactiveArgs is called when the client starts without arguments. Off
// Windows there is no double-click start to support: a terminal user gets
// the usage text, so it returns nil.
func interactiveArgs(in io.Reader, out io.Writer) []string { return nil }

// keepConsoleOpen does nothing off Windows: the terminal outlives us.
func keepConsoleOpen(lines <-chan string, out io.Writer) {}
