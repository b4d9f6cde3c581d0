package consent

import "testing"

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in      string
		revoke  string
		end     bool
		help    bool
		wantErr bool
	}{
		{"", "", false, false, false},
		{"revoke shell", "shell", false, false, false},
		{"R screen control", "screen,control", false, false, false},
		{"revoke shell,diagnostics", "diagnostics,shell", false, false, false},
		{"revoke", "", false, false, true},
		{"revoke root", "", false, false, true},
		{"end", "", true, false, false},
		{"QUIT", "", true, false, false},
		{"?", "", false, true, false},
		{"rm -rf /", "", false, false, true},
		{"say hi", "", false, false, false},
		{"say", "", false, false, true},
	}
	for _, tt := range tests {
		c, err := ParseCommand(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseCommand(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if c.Revoke.String() != tt.revoke || c.End != tt.end || c.Help != tt.help {
			t.Errorf("ParseCommand(%q) = %+v, want revoke=%q end=%v help=%v", tt.in, c, tt.revoke, tt.end, tt.help)
		}
	}
}
