package wire

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseJoin: any input either fails or yields a Join whose String and
// URL forms parse back to the same Join, with bounded fields.
func FuzzParseJoin(f *testing.F) {
	fp := bytes.Repeat([]byte{0xab}, FingerprintLen)
	good := Join{Addr: "gw.example.com:8443", Code: "ABCD-EFGH-JKMN-PQRS", Fingerprint: fp}
	for _, s := range []string{
		good.String(), good.URL(),
		"tether1:127.0.0.1:8443/abcd-efgh-jkmn-pqrs",
		"https://[::1]:8443/j/ABCDEFGHJKMNPQRS?x=1#sha256=" + strings.Repeat("A", 43),
		"https://gw/j/ilo0-ILO0-0000-0000",
		"tether1:host/ABCD#sha256=",
		"tether1:@evil/ABCD-EFGH-JKMN-PQRS",
		"https://a:b:c/j/x",
		"tether1:" + strings.Repeat("a", MaxJoinLen),
		"", " ", "#", "tether1:/", "https://%zz/j/ABCD-EFGH-JKMN-PQRS",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := ParseJoin(s)
		if err != nil {
			return
		}
		if len(j.Code) != 19 || (j.Fingerprint != nil && len(j.Fingerprint) != FingerprintLen) || j.Addr == "" {
			t.Fatalf("ParseJoin(%q) = %+v: fields out of bounds", s, j)
		}
		for _, form := range []string{j.String(), j.URL()} {
			j2, err := ParseJoin(form)
			if err != nil {
				t.Fatalf("ParseJoin(%q) ok, but its own form %q fails: %v", s, form, err)
			}
			if j2.Addr != j.Addr || j2.Code != j.Code || !bytes.Equal(j2.Fingerprint, j.Fingerprint) {
				t.Fatalf("round trip of %q: %+v then %+v", s, j, j2)
			}
		}
	})
}
