//go:build !windows && !darwin

package window

// systemOpener is the desktop's "open this URL" program.
var systemOpener = []string{"xdg-open"}
