package console

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/internal/wire"
)

func TestAskJoin(t *testing.T) {
	fp := bytes.Repeat([]byte{7}, wire.FingerprintLen)
	link := wire.Join{Addr: "127.0.0.1:8443", Code: "K7QF-3MZP-XW9D-HT2A", Fingerprint: fp}.URL()
	compact := wire.Join{Addr: "127.0.0.1:8443", Code: "K7QF-3MZP-XW9D-HT2A", Fingerprint: fp}.String()
	noFP := wire.Join{Addr: "127.0.0.1:8443", Code: "K7QF-3MZP-XW9D-HT2A"}.URL()
	tests := []struct {
		name    string
		input   string
		want    []string
		wantOut []string // substrings of what the user sees
	}{
		{"link", link + "\n", []string{"join", link}, []string{joinPrompt}},
		{"compact form with CRLF", compact + "\r\n", []string{"join", compact}, nil},
		{"quoted with spaces", "  \"" + link + "\"  \n", []string{"join", link}, nil},
		{"angle brackets from a mail", "<" + link + ">\n", []string{"join", link}, nil},
		{"empty lines are not mistakes", "\n\n\n\n" + link + "\n", []string{"join", link}, nil},
		{"garbage then link", "hello\n" + link + "\n", []string{"join", link}, []string{"That is not a join link"}},
		{"missing fingerprint", noFP + "\n" + link + "\n", []string{"join", link}, []string{"missing its end"}},
		{"last line without newline", link, []string{"join", link}, nil},
		{"input ends", "", nil, nil},
		{"three bad links", "a\nb\nc\n" + link + "\n", nil, []string{"ask your technician to send it again"}},
		{"too long", strings.Repeat("x", maxLine+10) + "\n" + link + "\n", []string{"join", link}, []string{"too long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got := askJoin(strings.NewReader(tt.input), &out)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("askJoin (-want +got):\n%s\noutput:\n%s", diff, out.String())
			}
			for _, s := range tt.wantOut {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output: got %q, want it to contain %q", out.String(), s)
				}
			}
		})
	}
}

func TestReadLineLeavesTheRestUnread(t *testing.T) {
	in := strings.NewReader("first\nsecond\n")
	got, err := readLine(in, 100)
	if err != nil || got != "first" {
		t.Fatalf("readLine: got %q, %v; want %q, nil", got, err, "first")
	}
	rest, _ := io.ReadAll(in)
	if string(rest) != "second\n" {
		t.Errorf("after readLine: got rest %q, want %q", rest, "second\n")
	}
	if _, err := readLine(strings.NewReader(""), 10); !errors.Is(err, io.EOF) {
		t.Errorf("readLine on empty input: got %v, want io.EOF", err)
	}
	if _, err := readLine(strings.NewReader("0123456789AB\n"), 10); !errors.Is(err, errLineTooLong) {
		t.Errorf("readLine over the limit: got %v, want errLineTooLong", err)
	}
}

func TestPressEnterToClose(t *testing.T) {
	var out bytes.Buffer
	pressEnterToClose(strings.NewReader("\n"), &out)
	if !strings.Contains(out.String(), "Press Enter to close") {
		t.Errorf("output: got %q, want the Press Enter prompt", out.String())
	}

	out.Reset()
	lines := make(chan string, 1)
	lines <- ""
	waitEnter(lines, &out)
	close(lines)
	waitEnter(lines, &out) // end of input also lets the window close
	if got := strings.Count(out.String(), "Press Enter to close"); got != 2 {
		t.Errorf("waitEnter: got %d prompts in %q, want 2", got, out.String())
	}
}

func FuzzAskJoin(f *testing.F) {
	f.Add("https://127.0.0.1:8443/j/K7QF-3MZP-XW9D-HT2A#sha256=BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc\n")
	f.Add("\"tether1:h:1/AAAA-BBBB-CCCC-DDDD\"\r\n\n")
	f.Add("<>\n''\n\"\n")
	f.Fuzz(func(t *testing.T, input string) {
		if len(input) > 4*maxLine {
			return
		}
		args := askJoin(strings.NewReader(input), io.Discard)
		if args == nil {
			return
		}
		if len(args) != 2 || args[0] != "join" {
			t.Fatalf("askJoin: got %q, want [join LINK]", args)
		}
		j, err := wire.ParseJoin(args[1])
		if err != nil || len(j.Fingerprint) == 0 {
			t.Fatalf("askJoin returned %q, which does not parse with a fingerprint: %v", args[1], err)
		}
	})
}
