package main

import (
	"bytes"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
)

// maxSyntheticLine bounds one command line typed into a synthetic shell.
const maxSyntheticLine = 4096

// serveSynthetic serves a "session" channel without a pty or a process, to
// measure the transport alone (gateway, SSH, WebSocket, recording): every
// byte typed is echoed back at once, and the line "cat PATH" streams that
// file followed by "BENCHDONE\r\n".
func serveSynthetic(nch ssh.NewChannel) {
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	go func() {
		for req := range reqs {
			if req.WantReply {
				req.Reply(req.Type == "pty-req" || req.Type == "shell" || req.Type == "window-change", nil)
			}
		}
	}()
	if _, err := ch.Write([]byte("$ ")); err != nil {
		return
	}
	var line []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := ch.Read(buf)
		if n > 0 {
			if _, werr := ch.Write(buf[:n]); werr != nil {
				return
			}
			for _, c := range buf[:n] {
				if c != '\n' && c != '\r' {
					if len(line) < maxSyntheticLine {
						line = append(line, c)
					}
					continue
				}
				cmd := string(bytes.TrimSpace(line))
				line = line[:0]
				if path, ok := strings.CutPrefix(cmd, "cat "); ok {
					if f, err := os.Open(path); err == nil {
						io.Copy(ch, f)
						f.Close()
					}
					if _, err := ch.Write([]byte("BENCHDONE\r\n$ ")); err != nil {
						return
					}
				}
			}
		}
		if err != nil {
			return
		}
	}
}
