//go:build windows

package diag

import "golang.org/x/sys/windows"

// remoteVolume reports whether vol ("Z:") is a mapped network drive:
// reading from it reaches a file server, as a UNC path would. It asks the
// local redirector only; nothing is sent over the network.
func remoteVolume(vol string) bool {
	p, err := windows.UTF16PtrFromString(vol + `\`)
	if err != nil {
		return true
	}
	return windows.GetDriveType(p) == windows.DRIVE_REMOTE
}
