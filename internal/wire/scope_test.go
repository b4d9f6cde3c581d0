package wire

import "testing"

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"shell", "shell", true},
		{"shell, diagnostics,shell", "diagnostics,shell", true}, // normalised order, no duplicates
		{"SCREEN,control", "screen,control", true},
		{"root", "", false},
		{"shell,,", "shell", true},
	}
	for _, tt := range tests {
		got, err := ParseScopes(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got.String() != tt.want) {
			t.Errorf("ParseScopes(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestScopeSets(t *testing.T) {
	a, _ := ParseScopes("diagnostics,shell,screen")
	b, _ := ParseScopes("shell,control")
	if got := a.Intersect(b).String(); got != "shell" {
		t.Errorf("Intersect: got %q, want shell", got)
	}
	if a.SubsetOf(b) || !(Scopes{ScopeShell}).SubsetOf(a) {
		t.Error("SubsetOf gives wrong answers")
	}
	for _, ch := range []struct {
		typ  string
		want Scope
	}{{ChannelSession, ScopeShell}, {ChannelDiag, ScopeDiagnostics}, {ChannelScreen, ScopeScreen}, {"direct-tcpip", ""}, {"x11", ""}} {
		if got := ChannelScope(ch.typ); got != ch.want {
			t.Errorf("ChannelScope(%q) = %q, want %q", ch.typ, got, ch.want)
		}
	}
}
