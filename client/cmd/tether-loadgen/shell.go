package main

import (
	"io"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/client/internal/shell"
	"github.com/tetherhq/tether/internal/wire"
)

// serveShell serves one "session" channel the way the real agent does:
// pty-req, window-change and shell, with the shell on a pseudo-terminal.
func serveShell(nch ssh.NewChannel, program string) {
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	var (
		cfg    = shell.Config{Shell: program, Env: []string{"PS1=$ "}}
		sh     *shell.Shell
		copies sync.WaitGroup
	)
	defer func() {
		if sh != nil {
			sh.Close()
		}
		copies.Wait()
		ch.Close()
	}()
	for req := range reqs {
		switch req.Type {
		case wire.RequestPTY:
			p, err := wire.ParsePTYRequest(req.Payload)
			if err != nil {
				req.Reply(false, nil)
				continue
			}
			cfg.Term, cfg.Cols, cfg.Rows = p.Term, int(p.Cols), int(p.Rows)
			req.Reply(true, nil)
		case wire.RequestWindowChange:
			w, err := wire.ParseWindowChange(req.Payload)
			ok := err == nil
			if ok && sh != nil {
				sh.Resize(int(w.Cols), int(w.Rows))
			}
			if req.WantReply {
				req.Reply(ok, nil)
			}
		case wire.RequestShell:
			if sh != nil {
				req.Reply(false, nil)
				continue
			}
			if sh, err = shell.Start(cfg); err != nil {
				req.Reply(false, nil)
				return
			}
			req.Reply(true, nil)
			copies.Add(2)
			go func() {
				defer copies.Done()
				io.Copy(sh, ch)
				sh.Close()
			}()
			go func() {
				defer copies.Done()
				io.Copy(ch, sh)
				status := struct{ Status uint32 }{uint32(sh.ExitCode())}
				ch.SendRequest("exit-status", false, ssh.Marshal(&status))
				ch.CloseWrite()
				ch.Close()
			}()
		default:
			if req.WantReply {
				req.Reply(false, nil)
			}
		}
	}
}
