package screen

import "sync/atomic"

// viewerQueue is how many frames may wait for one viewer.
const viewerQueue = 8

// viewer is one viewer's bounded queue.
type viewer struct {
	q       chan []byte
	waitKey atomic.Bool // skip deltas until a keyframe (after a drop, or at start)
	paused  atomic.Bool
	dropped atomic.Int64
	// rescreen is poked when the feed's monitor changed (monitor.go).
	rescreen chan struct{}
}

func newViewer() *viewer {
	v := &viewer{q: make(chan []byte, viewerQueue), rescreen: make(chan struct{}, 1)}
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
	case v.q <- rec:
		if key {
			v.waitKey.Store(false)
		}
		return false
	default:
		v.dropped.Add(1)
		v.waitKey.Store(true)
		return true
	}
}
