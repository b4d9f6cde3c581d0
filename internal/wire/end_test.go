package wire

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseEndNotice(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    EndNotice
		wantErr bool
	}{
		"user":          {in: `{"reason":"ended by user"}`, want: EndNotice{Reason: "ended by user"}},
		"restart":       {in: `{"reason":"the gateway is restarting","reconnect":true}`, want: EndNotice{Reason: "the gateway is restarting", Reconnect: true}},
		"no reason":     {in: `{}`, want: EndNotice{}},
		"unknown field": {in: `{"reason":"x","later":1}`, want: EndNotice{Reason: "x"}},
		"control chars": {in: `{"reason":"  bye\u001b[31m \u202e"}`, want: EndNotice{Reason: "bye[31m"}},
		"long reason":   {in: `{"reason":"` + strings.Repeat("é", 300) + `"}`, want: EndNotice{Reason: strings.Repeat("é", MaxEndReason)}},
		"empty":         {in: ``, wantErr: true},
		"not json":      {in: `ended by user`, wantErr: true},
		"wrong type":    {in: `{"reason":1}`, wantErr: true},
		"too large":     {in: `{"reason":"` + strings.Repeat("a", MaxEndNotice) + `"}`, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseEndNotice([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseEndNotice error = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ParseEndNotice = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestEndNoticeRoundTrip(t *testing.T) {
	for _, n := range []EndNotice{{Reason: "ended by user"}, {Reason: "restart", Reconnect: true}, {}} {
		got, err := ParseEndNotice(n.Marshal())
		if err != nil || got != n {
			t.Errorf("ParseEndNotice(%s) = %+v, %v; want %+v", n.Marshal(), got, err, n)
		}
	}
	if got, want := string(EndNotice{Reason: "x"}.Marshal()), `{"reason":"x"}`; got != want {
		t.Errorf("Marshal = %s, want %s (reconnect omitted when false)", got, want)
	}
}

// FuzzParseEndNotice: any input either fails or yields a clean, bounded
// reason that survives a round trip.
func FuzzParseEndNotice(f *testing.F) {
	for _, s := range []string{
		`{"reason":"ended by user"}`, `{"reason":"restart","reconnect":true}`, `{}`, ``, `null`,
		`{"reason":"\u001b]0;x\u0007"}`, `{"reason":"` + strings.Repeat("a", 500) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseEndNotice(b)
		if err != nil {
			return
		}
		if utf8.RuneCountInString(n.Reason) > MaxEndReason || CleanText(n.Reason, MaxEndReason) != n.Reason {
			t.Fatalf("ParseEndNotice(%q) reason %q is not clean and bounded", b, n.Reason)
		}
		n2, err := ParseEndNotice(n.Marshal())
		if err != nil || n2 != n {
			t.Fatalf("round trip of %q: %+v then %+v, %v", b, n, n2, err)
		}
	})
}
