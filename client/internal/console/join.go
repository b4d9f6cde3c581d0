// Package console is tether-client's terminal around a session: on
// Windows, when the user double-clicked the downloaded .exe, it asks for the
// join link and keeps the window open until the last message was read
// (InteractiveArgs, KeepOpen); while a session runs it reads the user's
// typed commands (Commands). It lives outside the binary so tests can
// import it.
package console

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tetherhq/tether/internal/wire"
)

// This file holds the portable half of the double-click flow (see
// console_windows.go): asking for the join link and keeping the window
// open. It is tested on every OS.

const (
	joinPrompt = "Paste the join link from your technician: "
	// joinTries is how many bad links the user may paste before we give up.
	joinTries = 3
	// maxLine bounds one typed line; a join link is at most wire.MaxJoinLen.
	maxLine = 4 * wire.MaxJoinLen
)

// errLineTooLong is returned by readLine for a line over its limit.
var errLineTooLong = errors.New("line too long")

// askJoin asks for the join link until one parses, and returns the
// arguments of the equivalent command line (join LINK). It returns nil when
// the input ends or after joinTries bad links.
func askJoin(in io.Reader, out io.Writer) []string {
	fmt.Fprintln(out, "Tether: a technician can help you on this computer, with your consent.")
	for try := 0; try < joinTries; try++ {
		fmt.Fprint(out, joinPrompt)
		line, err := readLine(in, maxLine)
		if err != nil && !errors.Is(err, errLineTooLong) {
			fmt.Fprintln(out)
			return nil
		}
		if errors.Is(err, errLineTooLong) {
			fmt.Fprintln(out, "That is too long for a join link. Copy just the link and try again.")
			continue
		}
		link := cleanLink(line)
		if link == "" {
			try-- // an empty line is not a mistake; ask again
			continue
		}
		j, err := wire.ParseJoin(link)
		if err != nil {
			fmt.Fprintf(out, "That is not a join link (%v). It starts with https:// or tether1:.\n", err)
			continue
		}
		if len(j.Fingerprint) == 0 {
			fmt.Fprintln(out, "That link is missing its end (#sha256=...). Copy the whole link and try again.")
			continue
		}
		return []string{"join", link}
	}
	fmt.Fprintln(out, "No valid join link: ask your technician to send it again.")
	return nil
}

// cleanLink trims what often comes along when a link is copied from a chat
// or a mail: spaces, quotes and angle brackets.
func cleanLink(s string) string {
	s = strings.TrimSpace(s)
	for len(s) >= 2 {
		f, l := s[0], s[len(s)-1]
		if (f == '"' && l == '"') || (f == '\'' && l == '\'') || (f == '<' && l == '>') {
			s = strings.TrimSpace(s[1 : len(s)-1])
			continue
		}
		break
	}
	return s
}

// readLine reads one line of at most max bytes, one byte at a time so
// nothing after the newline is consumed (the consent prompt reads the same
// input next). It returns io.EOF when the input ends before any byte, and
// errLineTooLong, after discarding the rest of the line, when it is too long.
func readLine(in io.Reader, max int) (string, error) {
	var b []byte
	var one [1]byte
	tooLong := false
	for {
		n, err := in.Read(one[:])
		if n == 1 {
			if one[0] == '\n' {
				break
			}
			if len(b) < max {
				b = append(b, one[0])
			} else {
				tooLong = true
			}
		}
		if err != nil {
			if len(b) == 0 && !tooLong {
				return "", err
			}
			break
		}
	}
	if tooLong {
		return "", errLineTooLong
	}
	return strings.TrimRight(string(b), "\r"), nil
}

const closePrompt = "\nPress Enter to close this window."

// pressEnterToClose keeps a console window that belongs to this process
// alone open until the user has read the last message. It reads in
// directly, so it is for when nothing else reads the input yet.
func pressEnterToClose(in io.Reader, out io.Writer) {
	fmt.Fprint(out, closePrompt)
	_, _ = readLine(in, maxLine)
}

// waitEnter is pressEnterToClose for when a consent.Lines goroutine owns
// the input: it waits for the next line from it, or its end.
func waitEnter(lines <-chan string, out io.Writer) {
	fmt.Fprint(out, closePrompt)
	<-lines
}
