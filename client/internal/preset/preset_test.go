package preset

import (
	"errors"
	"strings"
	"testing"
)

const testPin = "2jmj7l5rSw0yVb_vlWAYkK_YBwk2jmj7l5rSw0yVb_s"

func bake(t *testing.T, gw, pin string) {
	t.Helper()
	og, op := Gateway, Pin
	Gateway, Pin = gw, pin
	t.Cleanup(func() { Gateway, Pin = og, op })
}

func TestCodeFromName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"tether-client-K7QF3MZPXW9DHT2A-linux-amd64", "K7QF-3MZP-XW9D-HT2A"},
		{`C:\Users\ann\Downloads\tether-client-K7QF3MZPXW9DHT2A-windows-amd64 (1).exe`, "K7QF-3MZP-XW9D-HT2A"},
		{"/home/ann/Downloads/tether-client-k7qf3mzpxw9dht2a-darwin-arm64", "K7QF-3MZP-XW9D-HT2A"},
		{"tether-client-linux-amd64", ""},
		{"tether-client", ""},
		{"tether-client-UUUUUUUUUUUUUUUU-linux-amd64", ""}, // U is not in the alphabet
	} {
		if got := CodeFromName(tc.name); got != tc.want {
			t.Errorf("CodeFromName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestResolveBareCode(t *testing.T) {
	bake(t, "", "")
	if _, err := Resolve("K7QF 3MZP XW9D HT2A"); !errors.Is(err, ErrNoGateway) {
		t.Fatalf("unbaked client: err = %v, want ErrNoGateway", err)
	}
	bake(t, "gw.example.com:8443", testPin)
	j, err := Resolve("k7qf-3mzp-xw9d-ht2a")
	if err != nil {
		t.Fatal(err)
	}
	if j.Addr != "gw.example.com:8443" || j.Code != "K7QF-3MZP-XW9D-HT2A" || PinString(j.Fingerprint) != testPin {
		t.Fatalf("got %+v", j)
	}
	if _, err := Resolve("K7QF-3MZP"); err == nil || !strings.Contains(err.Error(), "16 letters") {
		t.Fatalf("short code: err = %v", err)
	}
}

func TestResolveLinkMustMatchBakedGateway(t *testing.T) {
	bake(t, "gw.example.com:8443", testPin)
	if _, err := Resolve("https://evil.example:8443/j/K7QF-3MZP-XW9D-HT2A#sha256=" + testPin); err == nil {
		t.Fatal("a link to another gateway was accepted by a baked client")
	}
	j, err := Resolve("https://gw.example.com:8443/j/K7QF-3MZP-XW9D-HT2A")
	if err != nil {
		t.Fatal(err)
	}
	if PinString(j.Fingerprint) != testPin {
		t.Fatal("a link without a pin did not get the baked pin")
	}
	bake(t, "", "")
	if _, err := Resolve("https://gw.example.com:8443/j/K7QF-3MZP-XW9D-HT2A"); err == nil {
		t.Fatal("an unbaked client accepted a link without a pin")
	}
}

func TestBakedMalformed(t *testing.T) {
	bake(t, "gw.example.com:8443", "short")
	if _, _, err := Baked(); err == nil || errors.Is(err, ErrNoGateway) {
		t.Fatalf("malformed pin: err = %v", err)
	}
}
