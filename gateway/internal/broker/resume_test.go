package broker

import "testing"

func TestTokenMatches(t *testing.T) {
	a, b, c := hashToken("a"), hashToken("b"), hashToken("c")
	tests := []struct {
		stored, presented string
		want              bool
	}{
		{a, a, true},
		{a + " " + b, b, true}, // the previous token still works once
		{a + " " + b, a, true},
		{a + " " + b, c, false},
		{"", a, false},
		{a, "", false},
	}
	for _, tt := range tests {
		if got := tokenMatches(tt.stored, tt.presented); got != tt.want {
			t.Errorf("tokenMatches(%.8q…, %.8q…) = %v, want %v", tt.stored, tt.presented, got, tt.want)
		}
	}
}
