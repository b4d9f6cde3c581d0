//go:build !linux && !darwin && !windows

package screen

import "runtime"

var osName = runtime.GOOS

func platformReason() string {
	return "screen sharing is not available on " + runtime.GOOS + " in this version of the client"
}
