package window

import (
	"runtime"
	"slices"
	"testing"
)

func TestBrowserFromEnv(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("$BROWSER is a Unix convention")
	}
	u := "http://127.0.0.1:1/open?k=x&y"
	for _, tc := range []struct {
		env  string
		want []string
	}{
		{"", nil},
		{"firefox", []string{"firefox", u}},
		{"/opt/b/browser --new-window", []string{"/opt/b/browser", "--new-window", u}},
		{"chromium %s --incognito:firefox", []string{"chromium", u, "--incognito"}},
		{"  ", nil},
	} {
		if got := browserFromEnv(tc.env, u); !slices.Equal(got, tc.want) {
			t.Errorf("browserFromEnv(%q) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestSystemOpener(t *testing.T) {
	if got := systemOpener("windows"); !slices.Equal(got, []string{"rundll32", "url.dll,FileProtocolHandler"}) {
		t.Errorf("windows: %q", got)
	}
	if got := systemOpener("darwin"); !slices.Equal(got, []string{"open"}) {
		t.Errorf("darwin: %q", got)
	}
	if got := systemOpener("linux"); !slices.Equal(got, []string{"xdg-open"}) {
		t.Errorf("linux: %q", got)
	}
}
