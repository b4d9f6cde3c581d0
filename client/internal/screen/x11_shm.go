//go:build linux

package screen

import (
	"fmt"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"golang.org/x/sys/unix"
)

// shmBuffer is a System V shared memory segment attached both here and in the
// X server, so a capture costs one small request instead of shipping the
// whole screen through the socket.
type shmBuffer struct {
	conn *xgb.Conn
	root xproto.Window
	w, h int
	seg  shm.Seg
	data []byte
}

func newSHMBuffer(conn *xgb.Conn, root xproto.Window, w, h int) (*shmBuffer, error) {
	if err := shm.Init(conn); err != nil {
		return nil, fmt.Errorf("screen: MIT-SHM: %w", err)
	}
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, w*h*4, unix.IPC_CREAT|0o600)
	if err != nil {
		return nil, fmt.Errorf("screen: MIT-SHM: shmget: %w", err)
	}
	// Mark the segment for removal once both sides detach, so a crash
	// cannot leak it. Linux still allows attaching it until then.
	defer unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	data, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("screen: MIT-SHM: shmat: %w", err)
	}
	seg, err := shm.NewSegId(conn)
	if err == nil {
		err = shm.AttachChecked(conn, seg, uint32(id), false).Check()
	}
	if err != nil {
		unix.SysvShmDetach(data)
		return nil, fmt.Errorf("screen: MIT-SHM: attach: %w", err)
	}
	b := &shmBuffer{conn: conn, root: root, w: w, h: h, seg: seg, data: data}
	if _, err := b.capture(); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// capture fills the segment with the screen and returns it. The slice is
// valid until the next capture.
func (b *shmBuffer) capture() ([]byte, error) {
	_, err := shm.GetImage(b.conn, xproto.Drawable(b.root), 0, 0, uint16(b.w), uint16(b.h),
		0xffffffff, xproto.ImageFormatZPixmap, b.seg, 0).Reply()
	if err != nil {
		return nil, fmt.Errorf("screen: capture: MIT-SHM GetImage: %w", err)
	}
	return b.data, nil
}

func (b *shmBuffer) close() error {
	shm.Detach(b.conn, b.seg)
	if err := unix.SysvShmDetach(b.data); err != nil {
		return fmt.Errorf("screen: MIT-SHM: shmdt: %w", err)
	}
	return nil
}
