package wire

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func handshakeSeeds(f *testing.F) {
	for _, v := range []any{
		Hello{Type: TypeHello, Protocol: ProtocolVersion, Code: "ABCD-EFGH-JKMN-PQRS", Client: "1.0"},
		Offer{Type: TypeOffer, Technician: "Alice", Ticket: Ticket{ID: 1, Title: "Printer"}, Scopes: []string{"shell", "diagnostics"}},
		Accept{Type: TypeAccept, Granted: []string{"shell"}, Host: HostInfo{Hostname: "<script>", OS: "linux"}, HostKey: "ssh-ed25519 AAAA"},
		Welcome{Type: TypeWelcome, SessionID: "s_1", Granted: []string{"shell"}, GatewayKey: "ssh-ed25519 AAAA"},
		Error{Type: TypeError, Code: ErrCodeUsed, Message: "used\x1b[31m"},
		Decline{Type: TypeDecline, Reason: "no"},
	} {
		b, _ := json.Marshal(v)
		f.Add(b)
	}
	for _, s := range []string{`{}`, `{"type":"hello"}`, `{"type":1}`, `[]`, `null`, `{"type":"accept","granted":["root"]}`,
		`{"type":"welcome","session_id":"` + strings.Repeat("x", 100) + `","gateway_key":"k"}`, "{\"type\":\"error\",\"message\":\"\u202e\"}"} {
		f.Add([]byte(s))
	}
}

// clean reports whether s is what CleanText lets through.
func cleanText(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			return false
		}
	}
	return true
}

// FuzzHandshake feeds every handshake parser the same bytes: none may
// panic, and whatever one accepts has bounded, cleaned text and known scopes.
func FuzzHandshake(f *testing.F) {
	handshakeSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if h, err := ParseHello(b); err == nil {
			if len(h.Code) != 19 || !cleanText(h.Client, 64) {
				t.Fatalf("ParseHello accepted %q as %+v", b, h)
			}
		}
		if o, err := ParseOffer(b); err == nil {
			if _, err := NewScopes(o.Scopes); err != nil || !cleanText(o.Technician, 64) || !cleanText(o.Ticket.Title, 200) {
				t.Fatalf("ParseOffer accepted %q as %+v", b, o)
			}
		}
		if a, err := ParseAccept(b); err == nil {
			h := a.Host
			if !cleanText(h.Hostname, 253) || !cleanText(h.OS, 32) || !cleanText(h.OSVersion, 128) || !cleanText(h.Arch, 32) || !cleanText(h.User, 64) {
				t.Fatalf("ParseAccept let unclean host text through: %+v", h)
			}
			if a.HostKey == "" || len(a.HostKey) > 1024 {
				t.Fatalf("ParseAccept accepted host key of %d bytes", len(a.HostKey))
			}
			if _, err := NewScopes(a.Granted); err != nil {
				t.Fatalf("ParseAccept accepted scopes %v", a.Granted)
			}
		}
		if w, err := ParseWelcome(b); err == nil {
			if w.SessionID == "" || !cleanText(w.SessionID, 64) || w.GatewayKey == "" || len(w.GatewayKey) > 1024 {
				t.Fatalf("ParseWelcome accepted %+v", w)
			}
		}
		if e, err := ParseError(b); err == nil && !cleanText(e.Message, 300) {
			t.Fatalf("ParseError let unclean text through: %q", e.Message)
		}
		ParseResume(b)
		MessageType(b)
	})
}
