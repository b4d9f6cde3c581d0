package broker

import (
	"io"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/internal/wire"
)

// FileTransfer is one transfer on a wire.ChannelFiles channel: Start
// sends the request, Next reads the agent's control lines, Read and Write
// carry the file's bytes between them (see wire/files.go). Its channel
// requests are discarded.
type FileTransfer struct {
	ch ssh.Channel
}

var _ io.ReadWriteCloser = (*FileTransfer)(nil)

// OpenFiles opens a files channel on behalf of actor (the technician's
// display name). A refusal is a *RefusedError.
func (l *Live) OpenFiles(actor, purpose string) (*FileTransfer, error) {
	ch, reqs, err := l.openChannel(wire.ChannelFiles, actor, purpose)
	if err != nil {
		return nil, err
	}
	go ssh.DiscardRequests(reqs)
	return &FileTransfer{ch: ch}, nil
}

// Start sends the request line.
func (f *FileTransfer) Start(req wire.FileRequest) error { return wire.FileWriteLine(f.ch, req) }

// Next reads and parses the agent's next control line.
func (f *FileTransfer) Next() (wire.FileEvent, error) {
	line, err := wire.FileReadLine(f.ch)
	if err != nil {
		return wire.FileEvent{}, err
	}
	return wire.ParseFileEvent(line)
}

// Read reads file bytes from the agent (collect).
func (f *FileTransfer) Read(p []byte) (int, error) { return f.ch.Read(p) }

// Write writes file bytes to the agent (send).
func (f *FileTransfer) Write(p []byte) (int, error) { return f.ch.Write(p) }

// CloseWrite says all bytes were sent.
func (f *FileTransfer) CloseWrite() error { return ignoreEOF(f.ch.CloseWrite()) }

// Close closes the channel; the agent discards a partial file. Safe to
// call more than once and from another goroutine.
func (f *FileTransfer) Close() error { return ignoreEOF(f.ch.Close()) }
