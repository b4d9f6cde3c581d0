//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package shell

import "golang.org/x/sys/unix"

// echo reads the termios of the pty through its master: the master and
// the slave share one termios, so this sees what `stty -echo` or a
// password prompt set on the shell's side.
func (t *unixTerminal) echo() Echo {
	rc, err := t.f.SyscallConn() // not Fd(): that would make reads blocking
	if err != nil {
		return EchoUnknown
	}
	e := EchoUnknown
	cerr := rc.Control(func(fd uintptr) {
		tio, err := unix.IoctlGetTermios(int(fd), ioctlReadTermios)
		if err == nil {
			e = echoOf(tio.Lflag&unix.ECHO != 0, tio.Lflag&unix.ICANON != 0)
		}
	})
	if cerr != nil {
		return EchoUnknown
	}
	return e
}
