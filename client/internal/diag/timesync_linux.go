//go:build linux

package diag

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// timeSync asks the kernel (adjtimex, read-only) whether NTP keeps the clock
// in sync, the same flag timedatectl shows as "System clock synchronized".
func timeSync() syncState {
	var tx unix.Timex // Modes 0: read only
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return syncState{state: "unknown", detail: fmt.Sprintf("adjtimex: %v", err)}
	}
	if state == unix.TIME_ERROR || tx.Status&unix.STA_UNSYNC != 0 {
		return syncState{state: "unsynchronized", detail: fmt.Sprintf("kernel clock state %d, estimated error %d µs", state, tx.Esterror)}
	}
	return syncState{state: "synchronized", detail: fmt.Sprintf("estimated error %d µs", tx.Esterror)}
}
