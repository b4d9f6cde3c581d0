//go:build windows

package console

import (
	"io"
	"unsafe"

	"golang.org/x/sys/windows"
)

// InteractiveArgs is called when the client starts without arguments. When
// the user double-clicked the downloaded .exe, Windows made a console window
// for this process alone: then it asks for the join link and returns the
// arguments "join LINK". Started from cmd.exe or PowerShell (a console
// shared with the shell), it returns nil and the usage text is shown.
// When no valid link comes, it waits for Enter so the window does not close
// before the user has read why.
func InteractiveArgs(in io.Reader, out io.Writer) []string {
	if !ownConsole() {
		return nil
	}
	args := askJoin(in, out)
	if args == nil {
		pressEnterToClose(in, out)
	}
	return args
}

// KeepOpen waits for Enter when the console window is this
// process's alone, so it does not vanish with the last message unread.
// lines is the consent.Lines channel that owns stdin by then.
func KeepOpen(lines <-chan string, out io.Writer) {
	if ownConsole() {
		waitEnter(lines, out)
	}
}

var procGetConsoleProcessList = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleProcessList")

// ownConsole reports whether this process is the only one attached to its
// console, which is the case when Explorer started it.
func ownConsole() bool {
	if procGetConsoleProcessList.Find() != nil {
		return false
	}
	var pids [4]uint32
	n, _, _ := procGetConsoleProcessList.Call(uintptr(unsafe.Pointer(&pids[0])), uintptr(len(pids)))
	return n == 1
}
