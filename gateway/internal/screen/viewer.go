package screen

import (
	"sync/atomic"
	"time"
)

// viewerQueue is how many frames may wait for one viewer.
const viewerQueue = 8

// refreshEvery bounds how often a viewer's own requests (control keyframe)
// make the gateway send it a keyframe; requests in between are dropped
// (the web viewer asks again while it still waits).
const refreshEvery = 250 * time.Millisecond

// queued is one record waiting for a viewer; keyframes travel on the
// reliable data channel, deltas on the lossy one.
type queued struct {
	rec []byte
	key bool
}

// viewer is one viewer's bounded queue.
type viewer struct {
	q       chan queued
	waitKey atomic.Bool // skip deltas until a keyframe (after a drop, or at start)
	paused  atomic.Bool
	dropped atomic.Int64
	// refresh: a frame was dropped; once the queue drains, send a keyframe
	// (a still screen sends nothing that would heal the picture).
	refresh atomic.Bool

	lastAsk time.Time // guarded by the hub's mu: the last refresh this viewer asked for

	// rescreen is poked when the feed's monitor changed (monitor.go).
	rescreen chan struct{}
}

func newViewer() *viewer {
	v := &viewer{q: make(chan queued, viewerQueue), rescreen: make(chan struct{}, 1)}
	v.waitKey.Store(true)
	return v
}

// offer queues rec without blocking. It reports whether the viewer needs a
// keyframe because it had to drop a frame.
func (v *viewer) offer(rec []byte, key bool) (needKey bool) {
	if v.paused.Load() || (!key && v.waitKey.Load()) {
		return false
	}
	select {
	case v.q <- queued{rec, key}:
		if key {
			v.waitKey.Store(false)
		}
		return false
	default:
		v.dropped.Add(1)
		v.waitKey.Store(true)
		v.refresh.Store(true)
		return true
	}
}
