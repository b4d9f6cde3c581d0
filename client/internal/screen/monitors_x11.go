//go:build linux

package screen

import (
	"errors"
	"fmt"
	"image"

	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xinerama"
	"github.com/jezek/xgb/xproto"
)

// Monitors lists the X screen's monitors: RandR 1.5 GetMonitors (the
// monitors the desktop shows, named after their output or as set with
// xrandr --setmonitor), else Xinerama's screens (no names, no primary),
// else none (the whole screen is the only choice).
func (c *x11Capturer) Monitors() ([]Monitor, error) {
	if c.closed {
		return nil, errors.New("screen: monitors: capturer closed")
	}
	if ms, err := c.randrMonitors(); err == nil {
		return ms, nil
	}
	return c.xineramaMonitors()
}

func (c *x11Capturer) randrMonitors() ([]Monitor, error) {
	if err := randr.Init(c.conn); err != nil {
		return nil, fmt.Errorf("screen: RandR: %w", err)
	}
	v, err := randr.QueryVersion(c.conn, 1, 5).Reply()
	if err != nil {
		return nil, fmt.Errorf("screen: RandR version: %w", err)
	}
	if v.MajorVersion < 1 || v.MajorVersion == 1 && v.MinorVersion < 5 {
		return nil, fmt.Errorf("screen: RandR %d.%d has no monitors (1.5 needed)", v.MajorVersion, v.MinorVersion)
	}
	r, err := randr.GetMonitors(c.conn, c.root, true).Reply()
	if err != nil {
		return nil, fmt.Errorf("screen: RandR GetMonitors: %w", err)
	}
	out := make([]Monitor, 0, len(r.Monitors))
	for _, m := range r.Monitors {
		name := ""
		if a, err := xproto.GetAtomName(c.conn, m.Name).Reply(); err == nil {
			name = a.Name
		}
		out = append(out, Monitor{Name: name, Primary: m.Primary,
			Rect: image.Rect(int(m.X), int(m.Y), int(m.X)+int(m.Width), int(m.Y)+int(m.Height))})
	}
	return out, nil
}

func (c *x11Capturer) xineramaMonitors() ([]Monitor, error) {
	if err := xinerama.Init(c.conn); err != nil {
		return nil, nil // neither extension: one whole screen
	}
	if a, err := xinerama.IsActive(c.conn).Reply(); err != nil || a.State == 0 {
		return nil, nil
	}
	r, err := xinerama.QueryScreens(c.conn).Reply()
	if err != nil {
		return nil, fmt.Errorf("screen: Xinerama QueryScreens: %w", err)
	}
	out := make([]Monitor, 0, len(r.ScreenInfo))
	for i, s := range r.ScreenInfo {
		out = append(out, Monitor{Name: fmt.Sprintf("Screen %d", i+1), Primary: i == 0,
			Rect: image.Rect(int(s.XOrg), int(s.YOrg), int(s.XOrg)+int(s.Width), int(s.YOrg)+int(s.Height))})
	}
	return out, nil
}
