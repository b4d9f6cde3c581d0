package wire

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCheckFilePath(t *testing.T) {
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"/home/u/.local/share/app/app.log", true},
		{`C:\Users\u\AppData\Local\app\crash.dmp`, true},
		{"C:/x/y.log", true},
		{"/var/log/../../etc/shadow", false}, // traversal
		{"/tmp/..", false},
		{`C:\x\..\y`, false},
		{"relative.log", false},
		{"./x", false},
		{"C:x", false},
		{"/dev/sda", false},
		{"/dev", false},
		{"/proc/self/environ", false},
		{"/sys/kernel", false},
		{`\\server\share\x`, false}, // UNC
		{"//server/share/x", false},
		{`\\?\C:\x`, false}, // device paths
		{`\\.\PhysicalDrive0`, false},
		{`\??\C:\x`, false},
		{"/tmp/a\nb", false},
		{"/tmp/a\x00b", false},
		{"", false},
		{"/" + strings.Repeat("a", MaxFilePath), false},
	} {
		err := CheckFilePath(tc.path)
		if (err == nil) != tc.ok {
			t.Errorf("CheckFilePath(%q) = %v, want ok=%v", tc.path, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrFilePath) {
			t.Errorf("CheckFilePath(%q) = %v, want ErrFilePath", tc.path, err)
		}
	}
}

func TestParseFileRequest(t *testing.T) {
	good := `{"op":"send","name":"report.pdf","size":3,"sha256":"` + strings.Repeat("a", 64) + `"}`
	if _, err := ParseFileRequest([]byte(good)); err != nil {
		t.Errorf("good send: %v", err)
	}
	for _, bad := range []string{
		`{"op":"collect","path":"/tmp/../etc/passwd"}`,
		`{"op":"collect","path":"/tmp/x","name":"y"}`,
		`{"op":"send","name":"../x","size":1,"sha256":"` + strings.Repeat("a", 64) + `"}`,
		`{"op":"send","name":"x","size":1,"sha256":"nothex"}`,
		`{"op":"send","name":"x","size":-1,"sha256":"` + strings.Repeat("a", 64) + `"}`,
		`{"op":"delete","path":"/tmp/x"}`,
		`{"op":"collect","path":"/tmp/x","extra":1}`,
		`not json`,
	} {
		if _, err := ParseFileRequest([]byte(bad)); err == nil {
			t.Errorf("ParseFileRequest(%s) accepted", bad)
		}
	}
}

func TestFileReadLineLeavesData(t *testing.T) {
	r := bytes.NewReader([]byte("{\"type\":\"accept\"}\nRAWBYTES"))
	line, err := FileReadLine(r)
	if err != nil || string(line) != `{"type":"accept"}` {
		t.Fatalf("line = %q, %v", line, err)
	}
	rest, _ := io.ReadAll(r)
	if string(rest) != "RAWBYTES" {
		t.Errorf("rest = %q, want the raw bytes untouched", rest)
	}
	if _, err := FileReadLine(bytes.NewReader(bytes.Repeat([]byte("x"), MaxFileLine+10))); err == nil {
		t.Error("an over-long line was accepted")
	}
}

func FuzzParseFileRequest(f *testing.F) {
	f.Add([]byte(`{"op":"collect","path":"/var/log/app.log","ticket":1}`))
	f.Add([]byte(`{"op":"send","name":"a.txt","size":1,"sha256":"` + strings.Repeat("0", 64) + `"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseFileRequest(b)
		if err == nil && r.Op == FileCollect && CheckFilePath(r.Path) != nil {
			t.Fatalf("accepted a bad path %q", r.Path)
		}
	})
}

func FuzzParseFileEvent(f *testing.F) {
	f.Add([]byte(`{"type":"done","sha256":"` + strings.Repeat("0", 64) + `"}`))
	f.Add([]byte(`{"type":"accept","name":"a\u001b[2J","size":3}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseFileEvent(b)
		if err == nil && (strings.ContainsAny(e.Name+e.Path+e.Error, "\x1b\x00\n") || e.Size < 0) {
			t.Fatalf("unclean event %+v", e)
		}
	})
}
