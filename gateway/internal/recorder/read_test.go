package recorder

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const hdr = `{"version":2,"width":80,"height":24}` + "\n"

func TestReadCast(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		limits  ReadLimits
		want    []Event
		wantErr error
	}{
		{"header only", hdr, ReadLimits{}, nil, nil},
		{"header without newline", strings.TrimSuffix(hdr, "\n"), ReadLimits{}, nil, nil},
		{"events", hdr + `[0.5, "o", "a"]` + "\n" + `[0.5, "i", "b"]` + "\n" + `[1, "r", "100x30"]` + "\n" + `[2.25, "m", ""]` + "\n",
			ReadLimits{}, []Event{{0.5, "o", "a"}, {0.5, "i", "b"}, {1, "r", "100x30"}, {2.25, "m", ""}}, nil},
		{"blank lines skipped", "\n" + hdr + "\n" + `[1, "o", "a"]` + "\n\n", ReadLimits{}, []Event{{1, "o", "a"}}, nil},
		{"last line without newline", hdr + `[1, "o", "a"]`, ReadLimits{}, []Event{{1, "o", "a"}}, nil},
		{"truncated last line", hdr + `[1, "o", "a"]` + "\n" + `[2, "o", "b`, ReadLimits{}, []Event{{1, "o", "a"}}, ErrTruncated},
		{"truncated escape", hdr + `[1, "o", "a\u00`, ReadLimits{}, nil, ErrTruncated},
		{"empty", "", ReadLimits{}, nil, ErrInvalid},
		{"no header", `[1, "o", "a"]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"version 1", `{"version":1,"width":80,"height":24}` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"zero width", `{"version":2,"width":0,"height":24}` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"negative height", `{"version":2,"width":80,"height":-1}` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"header not json", "garbage\n", ReadLimits{}, nil, ErrInvalid},
		{"event not array", hdr + `{"t":1}` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"two fields", hdr + `[1, "o"]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"four fields", hdr + `[1, "o", "a", "b"]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"time is string", hdr + `["1", "o", "a"]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"negative time", hdr + `[-1, "o", "a"]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"huge time", hdr + `[1e400, "o", "a"]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"time goes back", hdr + `[2, "o", "a"]` + "\n" + `[1, "o", "b"]` + "\n", ReadLimits{}, []Event{{2, "o", "a"}}, ErrInvalid},
		{"unknown code", hdr + `[1, "x", "a"]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"data not string", hdr + `[1, "o", 5]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"bad resize", hdr + `[1, "r", "80by24"]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"zero resize", hdr + `[1, "r", "0x24"]` + "\n", ReadLimits{}, nil, ErrInvalid},
		{"bad line before end", hdr + `[1, "o", "a"]` + "\n" + "nope\n" + `[2, "o", "b"]` + "\n", ReadLimits{}, []Event{{1, "o", "a"}}, ErrInvalid},
		{"line too long", hdr + `[1, "o", "` + strings.Repeat("a", 100) + `"]` + "\n", ReadLimits{MaxLine: 64}, nil, ErrTooLarge},
		{"line at the limit", hdr + `[1, "o", "` + strings.Repeat("a", 64-13) + `"]` + "\n", ReadLimits{MaxLine: 64},
			[]Event{{1, "o", strings.Repeat("a", 51)}}, nil},
		{"too many events", hdr + strings.Repeat(`[1, "o", "a"]`+"\n", 3), ReadLimits{MaxEvents: 2}, []Event{{1, "o", "a"}, {1, "o", "a"}}, ErrTooLarge},
		{"too many bytes", hdr + strings.Repeat(`[1, "o", "a"]`+"\n", 100), ReadLimits{MaxBytes: 200}, nil, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, evs, err := ReadCast(strings.NewReader(tt.in), tt.limits)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.name == "too many bytes" {
				return // how many events precede the limit depends on buffering
			}
			if diff := cmp.Diff(tt.want, evs, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if err == nil && (h.Version != 2 || h.Width != 80) {
				t.Errorf("header = %+v", h)
			}
		})
	}
}

func TestReadCastSmallReads(t *testing.T) {
	in := hdr + `[1, "o", "` + strings.Repeat("é", 50000) + `"]` + "\n"
	_, evs, err := ReadCast(iotest.OneByteReader(strings.NewReader(in)), ReadLimits{})
	if err != nil || len(evs) != 1 || len(evs[0].Data) != 100000 {
		t.Fatalf("ReadCast = %d events, %v; want 1 event of 100000 bytes", len(evs), err)
	}
}

func TestReadCastReadError(t *testing.T) {
	boom := errors.New("boom")
	_, _, err := ReadCast(iotest.ErrReader(boom), ReadLimits{})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
}

func TestParseResize(t *testing.T) {
	for in, want := range map[string][2]int{"80x24": {80, 24}, "1x1": {1, 1}, "65535x65535": {65535, 65535}} {
		c, r, err := ParseResize(in)
		if err != nil || c != want[0] || r != want[1] {
			t.Errorf("ParseResize(%q) = %d, %d, %v; want %v", in, c, r, err, want)
		}
	}
	for _, in := range []string{"", "x", "80x", "x24", "80X24", "-1x5", "65536x1", "8 0x24", "80x24x1", "+80x24"} {
		if _, _, err := ParseResize(in); err == nil {
			t.Errorf("ParseResize(%q) = nil error, want error", in)
		}
	}
}

func TestSumFile(t *testing.T) {
	data := bytes.Repeat([]byte("tether"), 10000)
	sum, n, err := SumFile(bytes.NewReader(data))
	if err != nil || sum != sha256.Sum256(data) || n != int64(len(data)) {
		t.Errorf("SumFile = %x, %d, %v", sum, n, err)
	}
	if _, _, err := SumFile(iotest.ErrReader(errors.New("eio"))); err == nil {
		t.Error("SumFile of a failing reader returned nil error")
	}
}
