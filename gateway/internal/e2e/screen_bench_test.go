//go:build linux

package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/screenrec"
	"github.com/tetherhq/tether/internal/wire"
)

// BenchmarkScreenView measures the whole path on a 1920×1080 Xvfb: real
// client → gateway → pion viewer over WebRTC on loopback. Run with
// `go test -run XXX -bench ScreenView -benchtime 1x ./gateway/internal/e2e/`.
// Metrics: frames/s and bytes/s with a moving window, bytes/s of a still
// screen, paint-to-viewer latency (an X fill until the frame showing it
// arrives: capture interval + encode + SSH + gateway + SCTP), and the JPEG
// encode time of the received frames' tiles re-encoded in-process.
//
// The e2e harness takes a *testing.T, so the measurement runs as an inner
// test through testing.RunTests and reports its figures to b.
func BenchmarkScreenView(b *testing.B) {
	metrics := map[string]float64{}
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: "ScreenView", F: func(t *testing.T) { measureScreenView(t, metrics) }}})
	if !ok {
		b.Fatal("the screen view measurement failed")
	}
	for unit, v := range metrics {
		b.ReportMetric(v, unit)
	}
}

func measureScreenView(b *testing.T, metrics map[string]float64) {
	display := startXvfb(b, 1920, 1080)
	p := newXPainter(b, display)
	p.fill(image.Rect(0, 0, 1920, 1080), color.RGBA{40, 40, 40, 255})
	g := startGateway(b, loopbackICE)
	admin := g.login("admin", adminPassword)
	tech := g.addUser(admin, "bench", "technician")
	ticket, inv := g.ticketAndInvite(tech, "screen")
	b.Setenv("DISPLAY", display)
	c := startClient(b, "join", "--accept", "screen", inv.Join)
	c.waitOutput(b, "Connected.")
	s := g.waitSession(tech, ticket, "connected")
	v := g.watchScreen(b, tech, s.ID, "")
	defer v.close()
	var cv screenrec.Canvas
	v.waitPicture("the first keyframe", &cv, func(*image.RGBA) bool { return true })

	report := func(v float64, unit string) { metrics[unit] = v }
	drain := func(d time.Duration, each func(rec []byte, f *wire.ScreenFrame)) {
		end := time.After(d)
		for {
			select {
			case rec := <-v.frames:
				f, err := wire.ScreenParseFrame(rec)
				if err == nil {
					each(rec, f)
				}
			case <-end:
				return
			}
		}
	}

	// Busy: a 300×200 box moving 8 px every 1/60 s for 5 s.
	stop := make(chan struct{})
	go func() {
		x := 0
		tk := time.NewTicker(time.Second / 60)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			p.fill(image.Rect(x, 400, x+300, 600), color.RGBA{40, 40, 40, 255})
			x = (x + 8) % 1600
			p.fill(image.Rect(x, 400, x+300, 600), color.RGBA{250, 200, 0, 255})
		}
	}()
	var frames, bytesBusy int
	var encode time.Duration
	var encoded int
	drain(5*time.Second, func(rec []byte, f *wire.ScreenFrame) {
		frames++
		bytesBusy += len(rec)
		if f.Key || encoded >= 50 {
			return
		}
		for _, tl := range f.Tiles {
			im, err := jpeg.Decode(bytes.NewReader(tl.JPEG))
			if err != nil {
				continue
			}
			t0 := time.Now()
			jpeg.Encode(&bytes.Buffer{}, im, &jpeg.Options{Quality: int(tl.Quality)})
			encode += time.Since(t0)
		}
		encoded++
	})
	close(stop)
	report(float64(frames)/5, "busy_frames/s")
	report(float64(bytesBusy)/5, "busy_B/s")
	if encoded > 0 {
		report(float64(encode.Microseconds())/float64(encoded)/1000, "encode_ms/delta")
	}

	// Idle: nothing moves for 10 s. The first period after the motion stops
	// still brings one keyframe (it refreshes tiles sent at low quality);
	// after it a still screen sends nothing.
	var bytesSettle int
	drain(6*time.Second, func(rec []byte, _ *wire.ScreenFrame) { bytesSettle += len(rec) })
	report(float64(bytesSettle), "settle_B")
	var bytesIdle int
	drain(10*time.Second, func(rec []byte, _ *wire.ScreenFrame) { bytesIdle += len(rec) })
	report(float64(bytesIdle)/10, "idle_B/s")

	// Full-screen motion, video-like: the whole screen changes 30 times a
	// second with texture (random squares), for 5 s.
	stop = make(chan struct{})
	go func() {
		r := rand.New(rand.NewPCG(3, 4))
		tk := time.NewTicker(time.Second / 30)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			p.scatter(r, 4000)
		}
	}()
	var framesFull, bytesFull int
	drain(5*time.Second, func(rec []byte, _ *wire.ScreenFrame) { framesFull++; bytesFull += len(rec) })
	close(stop)
	report(float64(framesFull)/5, "full_frames/s")
	report(float64(bytesFull)/5, "full_B/s")
	drain(2*time.Second, func(rec []byte, f *wire.ScreenFrame) { cv.ApplyFrame(f) })

	// First picture of a late viewer on the still screen (the gateway's
	// composite answers), over WebRTC and over the WebSocket: dial to the
	// first keyframe received, 10 each.
	for _, tr := range []struct{ name, query string }{{"webrtc", ""}, {"ws", "transport=websocket"}} {
		var ttfp []time.Duration
		for i := 0; i < 10; i++ {
			t0 := time.Now()
			w := g.watchScreen(b, tech, s.ID, tr.query)
			var wc screenrec.Canvas
			w.waitPicture("a late viewer's first picture", &wc, func(*image.RGBA) bool { return true })
			ttfp = append(ttfp, time.Since(t0))
			w.close()
		}
		sort.Slice(ttfp, func(i, j int) bool { return ttfp[i] < ttfp[j] })
		report(float64(ttfp[len(ttfp)/2].Microseconds())/1000, "first_picture_"+tr.name+"_p50_ms")
		report(float64(ttfp[len(ttfp)-1].Microseconds())/1000, "first_picture_"+tr.name+"_max_ms")
	}

	// Latency: fill a box, wait for the frame whose tile at its centre shows it.
	var lat []time.Duration
	cols := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}}
	for i := 0; i < 15; i++ {
		want := cols[i%3]
		t0 := time.Now()
		p.fill(image.Rect(800, 100, 1000, 300), want)
		deadline := time.After(5 * time.Second)
	wait:
		for {
			select {
			case rec := <-v.frames:
				if cv.Apply(rec) == nil && near(cv.Image().RGBAAt(900, 200), want) {
					lat = append(lat, time.Since(t0))
					break wait
				}
			case <-deadline:
				break wait
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		report(float64(lat[len(lat)/2].Microseconds())/1000, "latency_p50_ms")
		report(float64(lat[len(lat)-1].Microseconds())/1000, "latency_max_ms")
	}
}
