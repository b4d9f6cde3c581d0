package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"laptop-7", "laptop-7"},
		{"a\x1b[31mred\x1b[0m", "a[31mred[0m"},
		{"line\nbreak\ttab", "linebreaktab"},
		{"bidi\u202Eevil", "bidievil"},
		{"<script>alert(1)</script>", "<script>alert(1)</script>"}, // not HTML-escaped: renderers treat it as text
		{"\xff\xfebad", "\uFFFDbad"},                               // a run of invalid bytes becomes one replacement
		{strings.Repeat("x", 300), strings.Repeat("x", 253)},
	}
	for _, tt := range tests {
		if got := CleanText(tt.in, 253); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseAcceptCleansHostAndValidates(t *testing.T) {
	msg, _ := json.Marshal(Accept{Type: TypeAccept, Granted: []string{"shell", "shell"}, HostKey: "ssh-ed25519 AAAA",
		Host: HostInfo{Hostname: "pc\x07<b>", OS: "linux\n", User: "bob"}})
	a, err := ParseAccept(msg)
	if err != nil {
		t.Fatal(err)
	}
	if a.Host.Hostname != "pc<b>" || a.Host.OS != "linux" || strings.Join(a.Granted, ",") != "shell" {
		t.Errorf("ParseAccept cleaned to %+v", a)
	}
	bad := []string{
		`{"type":"accept","granted":["root"],"host_key":"k"}`,
		`{"type":"accept","granted":["shell"]}`,
		`{"type":"hello","granted":["shell"],"host_key":"k"}`,
		`{"type":"accept"`,
		`{"type":"accept","host_key":"` + strings.Repeat("k", 2000) + `"}`,
		`{"type":"accept","host_key":"k","pad":"` + strings.Repeat("p", MaxHandshakeMessage) + `"}`,
	}
	for _, b := range bad {
		if _, err := ParseAccept([]byte(b)); err == nil {
			t.Errorf("ParseAccept(%.60q...) succeeded, want an error", b)
		}
	}
}

func TestErrorMatchesByCode(t *testing.T) {
	msg, _ := json.Marshal(Error{Type: TypeError, Code: ErrCodeUsed, Message: "this invite was already used"})
	e, err := ParseError(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(e, ErrUsed) || errors.Is(e, ErrExpired) {
		t.Errorf("errors.Is on code %q: wrong match", e.Code)
	}
}

func TestParseResume(t *testing.T) {
	ok := `{"type":"resume","protocol":1,"session_id":"s_abc","token":"t","granted":["shell"],"host_key":"ssh-ed25519 AAAA"}`
	if _, err := ParseResume([]byte(ok)); err != nil {
		t.Fatalf("ParseResume: %v", err)
	}
	for _, b := range []string{
		`{"type":"resume","session_id":"","token":"t","host_key":"k"}`,
		`{"type":"resume","session_id":"s","token":"","host_key":"k"}`,
		`{"type":"resume","session_id":"s","token":"t"}`,
		`{"type":"resume","session_id":"s","token":"t","host_key":"k","granted":["sudo"]}`,
	} {
		if _, err := ParseResume([]byte(b)); err == nil {
			t.Errorf("ParseResume(%s) succeeded, want an error", b)
		}
	}
}

// TestGatewayTextIsCleanedWhenParsed: what the client prints from an Offer
// or a Welcome has no control character, however the gateway sent it.
func TestGatewayTextIsCleanedWhenParsed(t *testing.T) {
	const esc = "\x1b[2J\x1b]0;x\x07\u009b1m\u202e\r\n"
	offer, err := ParseOffer([]byte(`{"type":"offer","technician":"Mal` + jsonEsc(esc) + `lory","ticket":{"id":1,"title":"` + jsonEsc(esc) + `printer"},"scopes":[" Shell\r"]}`))
	if err != nil {
		t.Fatal(err)
	}
	welcome, err := ParseWelcome([]byte(`{"type":"welcome","session_id":"s_` + jsonEsc(esc) + `1","granted":["shell\t"],"gateway_key":"k"}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field, got, want string
	}{
		{"offer technician", offer.Technician, "Mal[2J]0;x1mlory"},
		{"offer ticket title", offer.Ticket.Title, "[2J]0;x1mprinter"},
		{"offer scopes", strings.Join(offer.Scopes, ","), "shell"},
		{"welcome session id", welcome.SessionID, "s_[2J]0;x1m1"},
		{"welcome granted", strings.Join(welcome.Granted, ","), "shell"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.field, tt.got, tt.want)
		}
	}
	if _, err := ParseWelcome([]byte(`{"type":"welcome","session_id":"` + jsonEsc("\x1b\x07") + `","gateway_key":"k"}`)); err == nil {
		t.Error("ParseWelcome accepted a session id made only of control characters")
	}
}

// jsonEsc returns s as the inside of a JSON string.
func jsonEsc(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
