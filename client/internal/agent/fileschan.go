package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/client/internal/files"
	"github.com/tetherhq/tether/internal/wire"
)

// Event kinds of file transfers.
const (
	EventFileAsk      EventKind = "file_ask"      // the user is asked about a transfer
	EventFileProgress EventKind = "file_progress" // a transfer moved on (Done of Total bytes)
	EventFileDone     EventKind = "file_done"     // a transfer completed
	EventFileRefused  EventKind = "file_refused"  // refused (by the user or the rules)
	EventFileFailed   EventKind = "file_failed"   // stopped or failed; nothing kept
)

// FilesConfig configures the tether-files channel.
type FilesConfig struct {
	// Confirm puts one question (a sentence, without "[y/N]") to the user.
	// nil: nobody can be asked, and every transfer is refused.
	Confirm func(ctx context.Context, question string) (bool, error)
	// Downloads is where sent files go; default files.DownloadsDir().
	Downloads string
	// MaxSize bounds one file in bytes; default wire.DefaultMaxFileSize.
	// The gateway's bound applies too: the smaller wins.
	MaxSize int64
}

func (c *FilesConfig) maxSize(gateway int64) int64 {
	m := c.MaxSize
	if m <= 0 {
		m = wire.DefaultMaxFileSize
	}
	if gateway > 0 && gateway < m {
		m = gateway
	}
	return m
}

// handleFiles serves one transfer on a tether-files channel. Without a
// FilesConfig it refuses. The channel is tracked under scope files, so a
// revoke closes it mid-transfer: the partial file is discarded here (the
// temporary file in Downloads is removed) and the gateway discards its part.
func (s *session) handleFiles(ctx context.Context, nch ssh.NewChannel, open wire.ChannelOpen) {
	fc := s.cfg.Files
	if fc == nil {
		nch.Reject(ssh.UnknownChannelType, "file transfers are not available in this client")
		return
	}
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer s.track(wire.ScopeFiles, ch)()
	go ssh.DiscardRequests(reqs)
	defer ch.Close()
	stop := context.AfterFunc(ctx, func() { ch.Close() })
	defer stop()
	line, err := wire.FileReadLine(ch)
	if err != nil {
		return
	}
	req, err := wire.ParseFileRequest(line)
	if err != nil {
		wire.FileWriteLine(ch, wire.FileEvent{Type: wire.FileEventError, Error: err.Error()})
		s.chanEvent(ctx, Event{Kind: EventFileRefused, Actor: open.Actor, What: "files",
			Message: fmt.Sprintf("Refused %s's file transfer: %v.", describe(open.Actor), err)})
		return
	}
	t := &transfer{s: s, ctx: ctx, ch: ch, actor: open.Actor, fc: fc, req: req}
	switch req.Op {
	case wire.FileCollect:
		t.collect()
	case wire.FileSend:
		t.send()
	}
}

// transfer is one file transfer on one channel.
type transfer struct {
	s     *session
	ctx   context.Context
	ch    ssh.Channel
	actor string
	fc    *FilesConfig
	req   wire.FileRequest
}

func (t *transfer) event(kind EventKind, what, msg string) {
	t.s.chanEvent(t.ctx, Event{Kind: kind, Actor: t.actor, What: what, Message: msg})
}

// refuse answers the gateway and tells the user.
func (t *transfer) refuse(typ, what, why string) {
	wire.FileWriteLine(t.ch, wire.FileEvent{Type: typ, Error: why})
	t.event(EventFileRefused, what, fmt.Sprintf("Refused %s's file transfer (%s): %s.", describe(t.actor), wire.CleanText(what, 300), why))
}

// ask puts the question to the user: true only on an explicit yes.
func (t *transfer) ask(what, q string) bool {
	if t.fc.Confirm == nil {
		return false
	}
	t.event(EventFileAsk, what, q)
	yes, err := t.fc.Confirm(t.ctx, q)
	return err == nil && yes && t.ctx.Err() == nil && t.s.hasScope(wire.ScopeFiles)
}

func ticketText(id int64) string {
	if id <= 0 {
		return "the ticket"
	}
	return fmt.Sprintf("ticket #%d", id)
}

// progress returns a reporter that tells the user at each quarter.
func (t *transfer) progress(verb, name string, total int64) func(int64) {
	next := int64(1)
	return func(done int64) {
		if total <= 0 {
			return
		}
		if q := done * 4 / total; q >= next {
			next = q + 1
			t.s.chanEvent(t.ctx, Event{Kind: EventFileProgress, Actor: t.actor, What: name, Done: done, Total: total,
				Message: fmt.Sprintf("  %s %s: %d%% (%s of %s)", verb, name, done*100/total, files.Size(done), files.Size(total))})
		}
	}
}

// collect: the user's file, after their yes, to the gateway.
func (t *transfer) collect() {
	max := t.fc.maxSize(t.req.MaxSize)
	src, err := files.OpenCollect(t.req.Path, max)
	if err != nil {
		t.refuse(wire.FileEventError, t.req.Path, err.Error())
		return
	}
	defer src.Close()
	q := fmt.Sprintf("%s wants to collect %s (%s) into %s.", describe(t.actor), wire.CleanText(src.Path, 400), files.Size(src.Size), ticketText(t.req.Ticket))
	if src.Path != t.req.Path {
		q = fmt.Sprintf("%s wants to collect %s, which is %s (%s), into %s.", describe(t.actor), wire.CleanText(t.req.Path, 300), wire.CleanText(src.Path, 300), files.Size(src.Size), ticketText(t.req.Ticket))
	}
	if !t.ask(src.Path, q) {
		t.refuse(wire.FileEventRefused, src.Path, "the user refused")
		return
	}
	if err := wire.FileWriteLine(t.ch, wire.FileEvent{Type: wire.FileEventAccept, Name: src.Name, Path: src.Path, Size: src.Size}); err != nil {
		return
	}
	t.s.chanEvent(t.ctx, Event{Kind: EventFileProgress, Actor: t.actor, What: src.Name, Total: src.Size,
		Message: fmt.Sprintf("Sending %s (%s) to %s ...", src.Path, files.Size(src.Size), describe(t.actor))})
	h := sha256.New()
	n, err := files.CopyProgress(io.MultiWriter(t.ch, h), io.LimitReader(src, src.Size), t.progress("sending", src.Name, src.Size))
	if err == nil && n != src.Size {
		err = fmt.Errorf("the file shrank to %d bytes while it was read", n)
	}
	if err != nil {
		t.event(EventFileFailed, src.Name, fmt.Sprintf("Sending %s stopped: %v. Nothing was kept.", src.Name, t.why(err)))
		return
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := wire.FileWriteLine(t.ch, wire.FileEvent{Type: wire.FileEventDone, Name: src.Name, Size: n, SHA256: sum}); err != nil {
		t.event(EventFileFailed, src.Name, fmt.Sprintf("Sending %s stopped: %v. Nothing was kept.", src.Name, t.why(err)))
		return
	}
	t.ch.CloseWrite()
	t.event(EventFileDone, src.Name, fmt.Sprintf("Sent %s (%s, SHA-256 %s) to %s.", src.Name, files.Size(n), sum[:16], ticketText(t.req.Ticket)))
}

// send: the technician's file, after the user's yes, into Downloads.
func (t *transfer) send() {
	name := files.SafeName(t.req.Name)
	max := t.fc.maxSize(t.req.MaxSize)
	if t.req.Size > max {
		t.refuse(wire.FileEventError, name, fmt.Sprintf("%v (%s > %s)", files.ErrTooLarge, files.Size(t.req.Size), files.Size(max)))
		return
	}
	dir := t.fc.Downloads
	if dir == "" {
		d, err := files.DownloadsDir()
		if err != nil {
			t.refuse(wire.FileEventError, name, err.Error())
			return
		}
		dir = d
	}
	q := fmt.Sprintf("%s wants to send you %s (%s), to be saved in %s.", describe(t.actor), name, files.Size(t.req.Size), wire.CleanText(dir, 300))
	if !t.ask(name, q) {
		t.refuse(wire.FileEventRefused, name, "the user refused")
		return
	}
	if err := wire.FileWriteLine(t.ch, wire.FileEvent{Type: wire.FileEventAccept, Name: name}); err != nil {
		return
	}
	final, err := files.Receive(dir, name, t.req.Size, t.req.SHA256, t.ch, t.progress("receiving", name, t.req.Size))
	if err != nil {
		wire.FileWriteLine(t.ch, wire.FileEvent{Type: wire.FileEventError, Error: err.Error()})
		t.event(EventFileFailed, name, fmt.Sprintf("Receiving %s stopped: %v. Nothing was kept.", name, t.why(err)))
		return
	}
	wire.FileWriteLine(t.ch, wire.FileEvent{Type: wire.FileEventDone, Name: final, Size: t.req.Size, SHA256: t.req.SHA256})
	t.ch.CloseWrite()
	t.event(EventFileDone, name, fmt.Sprintf("Saved %s (%s, SHA-256 %s) from %s.", final, files.Size(t.req.Size), t.req.SHA256[:16], describe(t.actor)))
}

// why explains a transfer's stop in the user's words.
func (t *transfer) why(err error) error {
	if errors.Is(err, files.ErrHash) {
		return err
	}
	if !t.s.hasScope(wire.ScopeFiles) {
		return errors.New("you revoked files")
	}
	if t.ctx.Err() != nil {
		return errors.New("the session ended")
	}
	return err
}

// StopFiles stops every file transfer running now, as the user's Stop
// button does: the channels close, the partial files are discarded on both
// sides; the files scope stays granted.
func (a *Agent) StopFiles() {
	a.mu.Lock()
	s := a.cur
	a.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	var chs []ssh.Channel
	for ch := range s.open[wire.ScopeFiles] {
		chs = append(chs, ch)
	}
	s.mu.Unlock()
	for _, ch := range chs {
		n := wire.CloseNotice{Code: "user_stopped", Reason: "the user stopped the transfer"}
		ch.SendRequest(wire.RequestClose, false, n.Marshal())
		ch.Close()
	}
}
