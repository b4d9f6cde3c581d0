package shell

// Echo is what the terminal does with what is typed, as far as the input
// recording is concerned.
type Echo int

const (
	// EchoUnknown: the terminal cannot tell (Windows ConPTY keeps the
	// console's echo mode inside the console host, out of our reach).
	EchoUnknown Echo = iota
	// EchoOn: typed characters reach the screen, echoed by the terminal or
	// drawn by a program in raw mode (a line editor such as readline, an
	// editor, a pager). readline clears ECHO while it edits a line and
	// echoes by itself, so ECHO alone says nothing in raw mode.
	EchoOn
	// EchoOff: the terminal reads whole lines without echoing them (ECHO
	// off, ICANON on): password prompts (getpass, sudo, ssh, `read -s`) and
	// line-reading programs after `stty -echo`.
	EchoOff
)

func (e Echo) String() string {
	switch e {
	case EchoOn:
		return "on"
	case EchoOff:
		return "off"
	}
	return "unknown"
}

// echoOf classifies termios local flags.
func echoOf(echo, canonical bool) Echo {
	if !echo && canonical {
		return EchoOff
	}
	return EchoOn
}

// echoReader is a terminal that can report its echo state.
type echoReader interface {
	echo() Echo
}

// Echo reports the terminal's echo state now. It is cheap (one ioctl on
// Unix) and safe to call from any goroutine while the shell runs.
func (s *Shell) Echo() Echo {
	if e, ok := s.term.(echoReader); ok {
		return e.echo()
	}
	return EchoUnknown
}
