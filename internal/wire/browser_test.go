package wire

import "testing"

func TestParseBrowserShellControl(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		cols int
	}{
		{`{"type":"resize","cols":120,"rows":40}`, true, 120},
		{`{"type":"resize","cols":0,"rows":40}`, false, 0},
		{`{"type":"resize","cols":1001,"rows":40}`, false, 0},
		{`{"type":"paste","cols":1,"rows":1}`, false, 0},
		{`not json`, false, 0},
		{`{"type":"resize","cols":80,"rows":24,"pad":"` + string(make([]byte, 2000)) + `"}`, false, 0},
	}
	for _, tt := range tests {
		c, err := ParseBrowserShellControl([]byte(tt.in))
		if (err == nil) != tt.ok || (tt.ok && c.Cols != tt.cols) {
			t.Errorf("ParseBrowserShellControl(%.40q) = %+v, %v; want ok=%v cols=%d", tt.in, c, err, tt.ok, tt.cols)
		}
	}
}

func FuzzParseBrowserShellControl(f *testing.F) {
	f.Add([]byte(`{"type":"resize","cols":120,"rows":40}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseBrowserShellControl(b)
		if err == nil && (c.Cols < 1 || c.Cols > 1000 || c.Rows < 1 || c.Rows > 1000) {
			t.Fatalf("accepted %dx%d", c.Cols, c.Rows)
		}
	})
}
