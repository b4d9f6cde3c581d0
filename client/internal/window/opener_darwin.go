//go:build darwin

package window

var systemOpener = []string{"open"}
