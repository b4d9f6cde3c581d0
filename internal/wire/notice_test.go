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

func TestParseScopesNotice(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    string
		wantErr bool
	}{
		"some":          {in: `{"granted":["shell","diagnostics"]}`, want: "diagnostics,shell"},
		"none":          {in: `{"granted":[]}`, want: ""},
		"null":          {in: `null`, want: ""},
		"duplicates":    {in: `{"granted":["shell","SHELL"]}`, want: "shell"},
		"unknown scope": {in: `{"granted":["root"]}`, wantErr: true},
		"not json":      {in: `shell`, wantErr: true},
		"too large":     {in: `{"granted":["` + strings.Repeat("a", MaxScopesNotice) + `"]}`, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseScopesNotice([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseScopesNotice error = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && strings.Join(got.Strings(), ",") != tc.want {
				t.Errorf("ParseScopesNotice = %v, want %q", got.Strings(), tc.want)
			}
		})
	}
}

// FuzzParseScopesNotice: any input either fails or yields known scopes that
// survive a round trip.
func FuzzParseScopesNotice(f *testing.F) {
	for _, s := range []string{`{"granted":["shell"]}`, `{"granted":[]}`, `null`, ``, `{"granted":["x"]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := ParseScopesNotice(b)
		if err != nil {
			return
		}
		again, err := ParseScopesNotice(ScopesNotice{Granted: sc.Strings()}.Marshal())
		if err != nil || strings.Join(again.Strings(), ",") != strings.Join(sc.Strings(), ",") {
			t.Fatalf("round trip of %q: %v then %v, %v", b, sc, again, err)
		}
	})
}
