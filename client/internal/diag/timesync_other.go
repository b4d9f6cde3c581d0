//go:build !linux

package diag

// timeSync is not implemented off Linux yet.
func timeSync() syncState {
	return syncState{state: "unknown", detail: "time sync status is read on Linux only for now"}
}
