package wire

import (
	"strings"
	"testing"
)

func TestParseEchoNotice(t *testing.T) {
	for _, tc := range []struct {
		in         string
		wantErr    bool
		wantHidden bool
	}{
		{in: `{"echo":"on"}`},
		{in: `{"echo":"off"}`, wantHidden: true},
		{in: `{"echo":"off","later":1}`, wantHidden: true}, // unknown fields are for later versions
		{in: `{"echo":"On"}`, wantErr: true},
		{in: `{"echo":""}`, wantErr: true},
		{in: `{}`, wantErr: true},
		{in: `{"echo":true}`, wantErr: true},
		{in: ``, wantErr: true},
		{in: `null`, wantErr: true},
		{in: `{"echo":"on","pad":"` + strings.Repeat("x", MaxEchoNotice) + `"}`, wantErr: true},
	} {
		n, err := ParseEchoNotice([]byte(tc.in))
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseEchoNotice(%.40q): got err %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && n.Hidden() != tc.wantHidden {
			t.Errorf("ParseEchoNotice(%q).Hidden(): got %v, want %v", tc.in, n.Hidden(), tc.wantHidden)
		}
	}
}

func TestEchoNoticeRoundTrip(t *testing.T) {
	for _, e := range []string{EchoOn, EchoOff} {
		got, err := ParseEchoNotice(EchoNotice{Echo: e}.Marshal())
		if err != nil || got.Echo != e {
			t.Errorf("round trip %q: got %+v, %v", e, got, err)
		}
	}
}

func FuzzParseEchoNotice(f *testing.F) {
	f.Add([]byte(`{"echo":"on"}`))
	f.Add([]byte(`{"echo":"off"}`))
	f.Add([]byte(`{"echo":"\u001b[2J"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseEchoNotice(b)
		if err != nil {
			return
		}
		if n.Echo != EchoOn && n.Echo != EchoOff {
			t.Fatalf("accepted echo %q", n.Echo)
		}
		if len(b) > MaxEchoNotice {
			t.Fatalf("accepted %d bytes", len(b))
		}
	})
}
