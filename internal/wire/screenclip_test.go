package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScreenClipboardControlRoundTrip(t *testing.T) {
	for _, c := range []*ScreenControl{
		{Type: ScreenClipboard, Text: "héllo ✓ clip"},
		{Type: ScreenClipboard, Text: "line 1\nline 2\t<tab> & \x1b[2J"},
		{Type: ScreenClipboard, Text: strings.Repeat("<", ScreenClipboardMax)}, // escapes to 6 bytes each
		{Type: ScreenClipboardGet},
	} {
		var buf bytes.Buffer
		if err := ScreenEncodeControl(&buf, c); err != nil {
			t.Fatalf("encode %.40q: %v", c.Text, err)
		}
		got, err := ScreenDecodeControl(&buf)
		if err != nil {
			t.Fatalf("decode %.40q: %v", c.Text, err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%.400s", diff)
		}
	}
}

func TestScreenClipboardControlRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    ScreenControl
		want error
	}{
		{"empty", ScreenControl{Type: ScreenClipboard}, ErrClipboardEmpty},
		{"too large", ScreenControl{Type: ScreenClipboard, Text: strings.Repeat("a", ScreenClipboardMax+1)}, ErrClipboardTooLarge},
		{"not utf-8", ScreenControl{Type: ScreenClipboard, Text: "a\xffb"}, ErrClipboardNotText},
		{"nul", ScreenControl{Type: ScreenClipboard, Text: "a\x00b"}, ErrClipboardNotText},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := ScreenEncodeControl(&buf, &tt.c); !errors.Is(err, tt.want) {
				t.Errorf("encode: got %v, want %v", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("a refused control wrote %d bytes", buf.Len())
			}
		})
	}
	for _, body := range []string{
		`{"type":"clipboard"}`,
		`{"type":"clipboard","text":"a\u0000b"}`,
		`{"type":"pause","text":"x"}`,
		`{"type":"clipboard_get","text":"x"}`,
		`{"type":"clipboard","text":"` + strings.Repeat("a", ScreenClipboardMax+1) + `"}`,
		`{"type":"clipboard","text":"x","input":{"kind":"mousemove"}}`,
	} {
		if _, err := ScreenParseControl(screenJSONRecord(ScreenMsgControl, body)); err == nil {
			t.Errorf("control %.60s accepted", body)
		}
	}
	huge := screenJSONRecord(ScreenMsgControl, `{"type":"clipboard","text":"a"}`+strings.Repeat(" ", ScreenMaxControl))
	if _, err := ScreenDecodeControl(bytes.NewReader(huge)); err == nil {
		t.Error("a control record over ScreenMaxControl was accepted")
	}
}

func TestScreenClipboardRecord(t *testing.T) {
	for _, c := range []*ScreenClipboardText{
		{Text: "héllo ✓ clip"},
		{Text: strings.Repeat("é", ScreenClipboardMax/2)},
		{Size: ScreenClipboardMax + 1},
	} {
		var buf bytes.Buffer
		if err := ScreenEncodeClipboard(&buf, c); err != nil {
			t.Fatalf("encode: %v", err)
		}
		typ, rec, err := ScreenReadRecord(&buf, ScreenMaxControl)
		if err != nil || typ != ScreenMsgClipboard {
			t.Fatalf("read: type %d, %v", typ, err)
		}
		got, err := ScreenParseClipboard(rec)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%.400s", diff)
		}
	}
	for _, body := range []string{
		`{}`, `{"text":""}`, `{"text":"a","size":70000}`, `{"size":10}`, `{"text":"a\u0000"}`,
		`{"text":"` + strings.Repeat("a", ScreenClipboardMax+1) + `"}`, `{"text":"a","x":1}`, `{"text":"a"} 1`,
	} {
		if _, err := ScreenParseClipboard(screenJSONRecord(ScreenMsgClipboard, body)); err == nil {
			t.Errorf("clipboard record %.60s accepted", body)
		}
	}
	if _, err := ScreenParseClipboard(screenJSONRecord(ScreenMsgControl, `{"text":"a"}`)); err == nil {
		t.Error("a control record parsed as a clipboard record")
	}
	if err := ScreenEncodeClipboard(&bytes.Buffer{}, &ScreenClipboardText{Text: "\xff"}); !errors.Is(err, ErrClipboardNotText) {
		t.Errorf("encoding non-UTF-8: got %v, want ErrClipboardNotText", err)
	}
}

func FuzzScreenParseClipboard(f *testing.F) {
	for _, body := range []string{`{"text":"héllo"}`, `{"size":70000}`, `{"text":"\u0000"}`, `{"text":"\ud800"}`} {
		f.Add(screenJSONRecord(ScreenMsgClipboard, body))
	}
	f.Add([]byte{0, 0, 0, 1, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ScreenParseClipboard(b)
		if err != nil {
			return
		}
		if c.Text != "" && CheckClipboardText(c.Text) != nil {
			t.Fatalf("parsed text %.40q fails the check", c.Text)
		}
		var buf bytes.Buffer
		if err := ScreenEncodeClipboard(&buf, c); err != nil {
			t.Fatalf("a parsed record does not encode: %v", err)
		}
		_, rec, err := ScreenReadRecord(&buf, ScreenMaxControl)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := ScreenParseClipboard(rec)
		if err != nil {
			t.Fatalf("re-parsing: %v", err)
		}
		if diff := cmp.Diff(c, c2); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
