package wire

import (
	"bytes"
	"strings"
	"testing"
)

func TestNewCodeIsCanonicalAndRandom(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		c := NewCode()
		n, err := NormalizeCode(c)
		if err != nil || n != c {
			t.Fatalf("NormalizeCode(%q) = %q, %v; want it unchanged", c, n, err)
		}
		if len(c) != 19 || strings.Count(c, "-") != 3 {
			t.Fatalf("code %q: want XXXX-XXXX-XXXX-XXXX", c)
		}
		if seen[c] {
			t.Fatalf("code %q repeated within 1000 draws", c)
		}
		seen[c] = true
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"K7QF-3MZP-XW9D-HT2A", "K7QF-3MZP-XW9D-HT2A", true},
		{"k7qf 3mzp xw9d ht2a", "K7QF-3MZP-XW9D-HT2A", true},
		{"K7QF3MZPXW9DHT2A", "K7QF-3MZP-XW9D-HT2A", true},
		{"OOOO-IIII-LLLL-0000", "0000-1111-1111-0000", true}, // Crockford look-alikes
		{"K7QF-3MZP-XW9D", "", false},                        // too short
		{"K7QF-3MZP-XW9D-HT2A-AAAA", "", false},              // too long
		{"K7QF-3MZP-XW9D-HT2U", "", false},                   // U is not in the alphabet
		{"K7QF-3MZP-XW9D-HT2<", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeCode(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestJoinRoundTrip(t *testing.T) {
	fp := bytes.Repeat([]byte{0xab}, 32)
	j := Join{Addr: "gw.example.com:8443", Code: "K7QF-3MZP-XW9D-HT2A", Fingerprint: fp}
	for _, s := range []string{j.String(), j.URL()} {
		got, err := ParseJoin(s)
		if err != nil {
			t.Fatalf("ParseJoin(%q): %v", s, err)
		}
		if got.Addr != j.Addr || got.Code != j.Code || !bytes.Equal(got.Fingerprint, fp) {
			t.Errorf("ParseJoin(%q) = %+v, want %+v", s, got, j)
		}
	}
	if !strings.HasPrefix(j.String(), "tether1:gw.example.com:8443/K7QF-3MZP-XW9D-HT2A#sha256=") {
		t.Errorf("String() = %q", j.String())
	}
	if !strings.HasPrefix(j.URL(), "https://gw.example.com:8443/j/K7QF-3MZP-XW9D-HT2A#sha256=") {
		t.Errorf("URL() = %q", j.URL())
	}
}

func TestParseJoinRefusals(t *testing.T) {
	fp := "#sha256=" + strings.Repeat("A", 43)
	tests := map[string]string{
		"empty":             "",
		"no scheme":         "gw:8443/K7QF-3MZP-XW9D-HT2A",
		"http":              "http://gw:8443/j/K7QF-3MZP-XW9D-HT2A",
		"no code":           "tether1:gw:8443",
		"bad code":          "tether1:gw:8443/NOPE",
		"short fingerprint": "tether1:gw:8443/K7QF-3MZP-XW9D-HT2A#sha256=abc",
		"other hash":        "tether1:gw:8443/K7QF-3MZP-XW9D-HT2A#md5=" + strings.Repeat("A", 43),
		"userinfo":          "tether1:evil@gw:8443/K7QF-3MZP-XW9D-HT2A" + fp,
		"too long":          "tether1:gw:8443/" + strings.Repeat("A", 600),
		"bracket in host":   "https://0]0/0000000000000000", // found by FuzzParseJoin
		"port zero":         "tether1:gw:0/K7QF-3MZP-XW9D-HT2A",
		"port too big":      "tether1:gw:70000/K7QF-3MZP-XW9D-HT2A",
	}
	for name, s := range tests {
		if _, err := ParseJoin(s); err == nil {
			t.Errorf("%s: ParseJoin(%q) succeeded, want an error", name, s)
		}
	}
	// A URL without a port means 443.
	j, err := ParseJoin("https://support.example.com/j/K7QF-3MZP-XW9D-HT2A" + fp)
	if err != nil || j.Addr != "support.example.com:443" {
		t.Errorf("default port: got %+v, %v", j, err)
	}
}
