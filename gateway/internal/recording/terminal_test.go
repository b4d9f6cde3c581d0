package recording

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/recorder"
)

// TestTermRecordingInputFollowsEcho checks how input is recorded against
// the echo state the agent reports, including before it reports any.
func TestTermRecordingInputFollowsEcho(t *testing.T) {
	type step struct {
		echo  string // "on", "off": an agent notice; "" types input
		input string
	}
	tests := []struct {
		name         string
		steps        []step
		wantEvents   []string // code:data
		wantEpisodes []int64
	}{
		{
			name:       "shown",
			steps:      []step{{echo: "on"}, {input: "ls\r"}},
			wantEvents: []string{"i:ls\r"},
		},
		{
			name:         "hidden until the agent says echo is on",
			steps:        []step{{input: "early"}, {echo: "on"}, {input: "ls\r"}},
			wantEvents:   []string{"m:input hidden (echo state unknown): 5 bytes", "i:ls\r"},
			wantEpisodes: []int64{5},
		},
		{
			name:         "password prompt",
			steps:        []step{{echo: "on"}, {input: "sudo -i\r"}, {echo: "off"}, {input: "pw"}, {input: "123\r"}, {echo: "on"}, {input: "id\r"}},
			wantEvents:   []string{"i:sudo -i\r", "m:input hidden (echo off): 6 bytes", "i:id\r"},
			wantEpisodes: []int64{6},
		},
		{
			name:       "echo off without typing leaves no marker",
			steps:      []step{{echo: "on"}, {echo: "off"}, {echo: "on"}, {input: "x"}},
			wantEvents: []string{"i:x"},
		},
		{
			name:         "an agent that never reports (Windows): a length at the end",
			steps:        []step{{input: "dir\r"}, {input: "exit\r"}},
			wantEvents:   []string{"m:input hidden (echo state unknown): 9 bytes"},
			wantEpisodes: []int64{9},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.cast")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			cast, err := recorder.NewCast(f, recorder.Header{Width: 80, Height: 24}, recorder.CastOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var episodes []int64
			rec := &Terminal{cast: cast, onHidden: func(n int64, k int) {
				if k != len(episodes)+1 {
					t.Errorf("episode number: got %d, want %d", k, len(episodes)+1)
				}
				episodes = append(episodes, n)
			}}
			for _, s := range tc.steps {
				switch s.echo {
				case "on":
					rec.Echo(true, false)
				case "off":
					rec.Echo(true, true)
				default:
					if err := rec.Input([]byte(s.input)); err != nil {
						t.Fatalf("input %q: %v", s.input, err)
					}
				}
			}
			// Finish without the service: end the episode and close, as Finish does.
			rec.mu.Lock()
			n, k := rec.endHiddenLocked()
			rec.mu.Unlock()
			rec.hidden(n, k)
			if _, err := cast.Close(); err != nil {
				t.Fatal(err)
			}
			rf, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer rf.Close()
			_, evs, err := recorder.ReadCast(rf, recorder.ReadLimits{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, e.Code+":"+e.Data)
			}
			if strings.Join(got, "|") != strings.Join(tc.wantEvents, "|") {
				t.Errorf("events: got %q, want %q", got, tc.wantEvents)
			}
			if !slices.Equal(episodes, tc.wantEpisodes) {
				t.Errorf("episodes: got %v, want %v", episodes, tc.wantEpisodes)
			}
		})
	}
}
