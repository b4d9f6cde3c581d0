//go:build !windows

package diag

// remoteVolume: only Windows has drive letters that may be network shares.
func remoteVolume(string) bool { return false }
