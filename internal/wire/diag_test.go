package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseDiagRequest(t *testing.T) {
	long := strings.Repeat("a", MaxDiagParamLen+1)
	many := `["` + strings.Repeat(`a.example",  "`, MaxDiagParamList) + `b"]`
	tests := []struct {
		name    string
		in      string
		want    DiagRequest
		wantErr string
	}{
		{name: "empty object is the default sweep", in: `{}`, want: DiagRequest{}},
		{name: "checks deduplicated and trimmed", in: `{"checks":["cpu"," cpu","dns"]}`,
			want: DiagRequest{Checks: []string{"cpu", "dns"}}},
		{name: "full params", in: `{"checks":["connectivity","logs"],"params":{"targets":["example.com:443","https://example.com/x"," [::1]:80 "],"names":["example.com"],"log_files":["/var/log/app.log","C:\\logs\\a.log"],"since":"90m"}}`,
			want: DiagRequest{Checks: []string{"connectivity", "logs"}, Params: DiagParams{
				Targets: []string{"example.com:443", "https://example.com/x", "[::1]:80"}, Names: []string{"example.com"},
				LogFiles: []string{"/var/log/app.log", `C:\logs\a.log`}, Since: "90m"}}},
		{name: "empty entries dropped", in: `{"params":{"names":["", "  "]}}`, want: DiagRequest{}},
		{name: "unknown check", in: `{"checks":["rm -rf"]}`, wantErr: "unknown check"},
		{name: "unknown field", in: `{"check":["cpu"]}`, wantErr: "unknown field"},
		{name: "trailing data", in: `{} {}`, wantErr: "trailing"},
		{name: "not json", in: `checks=cpu`, wantErr: "bad diag request"},
		{name: "relative log file", in: `{"params":{"log_files":["var/log/x"]}}`, wantErr: "absolute"},
		{name: "NUL in log file", in: `{"params":{"log_files":["/var/log/x\u0000y"]}}`, wantErr: "NUL"},
		{name: "target without port", in: `{"params":{"targets":["example.com"]}}`, wantErr: "host:port"},
		{name: "target bad port", in: `{"params":{"targets":["example.com:99999"]}}`, wantErr: "port"},
		{name: "ftp url", in: `{"params":{"targets":["ftp://example.com/"]}}`, wantErr: "host:port"},
		{name: "url without host", in: `{"params":{"targets":["https:///x"]}}`, wantErr: "no host"},
		{name: "name with space", in: `{"params":{"names":["a b"]}}`, wantErr: "host name"},
		{name: "too long entry", in: `{"params":{"names":["` + long + `"]}}`, wantErr: "longer than"},
		{name: "too many entries", in: `{"params":{"names":` + many + `}}`, wantErr: "too many names"},
		{name: "since not a duration", in: `{"params":{"since":"1 day"}}`, wantErr: "not a duration"},
		{name: "since too long", in: `{"params":{"since":"721h"}}`, wantErr: "between"},
		{name: "since negative", in: `{"params":{"since":"-1h"}}`, wantErr: "between"},
		{name: "too large", in: `{"params":{"since":"` + strings.Repeat(" ", MaxDiagRequest) + `"}}`, wantErr: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDiagRequest([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDiagRequest error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDiagRequest: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDiagRequest mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSinceDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"": time.Hour, "30m": 30 * time.Minute, "junk": time.Hour, "9999h": time.Hour} {
		if got := (DiagParams{Since: in}).SinceDuration(); got != want {
			t.Errorf("SinceDuration(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestDiagRequestRoundTrip(t *testing.T) {
	want := DiagRequest{Checks: []string{"dns"}, Params: DiagParams{Names: []string{"localhost"}, Since: "2h"}}
	var buf bytes.Buffer
	if err := DiagWriteRequest(&buf, want); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("ignored after the newline")
	got, err := DiagReadRequest(&buf)
	if err != nil {
		t.Fatalf("DiagReadRequest: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	// Without a newline, EOF ends the request.
	got, err = DiagReadRequest(strings.NewReader(`{"checks":["cpu"]}`))
	if err != nil || len(got.Checks) != 1 {
		t.Errorf("DiagReadRequest without newline = %+v, %v", got, err)
	}
	if _, err := DiagReadRequest(strings.NewReader("")); err == nil {
		t.Error("DiagReadRequest(empty) succeeded, want error")
	}
	if _, err := DiagReadRequest(strings.NewReader(strings.Repeat("x", 2*MaxDiagRequest))); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("DiagReadRequest(oversized) error = %v, want too large", err)
	}
}

func TestDiagEventStream(t *testing.T) {
	var buf bytes.Buffer
	res := DiagResult{Name: "cpu", Status: DiagWarn, Summary: "busy", Data: map[string]any{"usage_percent": 97.5}, DurationMS: 501}
	for _, ev := range []DiagEvent{{Type: DiagEventResult, Result: &res}, {Type: DiagEventDone, DurationMS: 900}} {
		if err := DiagWriteEvent(&buf, ev); err != nil {
			t.Fatal(err)
		}
	}
	buf.WriteString("\n")
	r := NewDiagReader(&buf)
	var got []DiagEvent
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		got = append(got, ev)
	}
	want := []DiagEvent{{Type: DiagEventResult, Result: &res}, {Type: DiagEventDone, DurationMS: 900}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

func TestDiagReaderLineLimit(t *testing.T) {
	line := `{"type":"error","error":"` + strings.Repeat("x", MaxDiagEventLine) + `"}` + "\n"
	if _, err := NewDiagReader(strings.NewReader(line)).Next(); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("Next on oversized line = %v, want a size error", err)
	}
	big := DiagResult{Name: "logs", Status: DiagOK, Summary: "x", Data: map[string]any{"blob": strings.Repeat("y", MaxDiagEventLine)}}
	if err := DiagWriteEvent(io.Discard, DiagEvent{Type: DiagEventResult, Result: &big}); err == nil {
		t.Error("DiagWriteEvent accepted an oversized event")
	}
}

func TestParseDiagEvent(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    DiagEvent
		wantErr bool
	}{
		{name: "result cleaned", in: `{"type":"result","result":{"name":"cpu\u0007","status":"ok","summary":"fine\n","duration_ms":-5}}`,
			want: DiagEvent{Type: "result", Result: &DiagResult{Name: "cpu", Status: "ok", Summary: "fine", Data: map[string]any{}}}},
		{name: "done", in: `{"type":"done","duration_ms":12,"error":"x"}`, want: DiagEvent{Type: "done", DurationMS: 12}},
		{name: "error default text", in: `{"type":"error"}`, want: DiagEvent{Type: "error", Error: "diagnostics refused"}},
		{name: "unknown type", in: `{"type":"shell"}`, wantErr: true},
		{name: "result missing", in: `{"type":"result"}`, wantErr: true},
		{name: "bad status", in: `{"type":"result","result":{"name":"cpu","status":"great"}}`, wantErr: true},
		{name: "no name", in: `{"type":"result","result":{"name":" ","status":"ok"}}`, wantErr: true},
		{name: "not json", in: `{"type":`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDiagEvent([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseDiagEvent error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("ParseDiagEvent mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func FuzzParseDiagRequest(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"checks":["cpu","dns"],"params":{"targets":["a:1","https://b/"],"names":["c"],"log_files":["/x"],"since":"1h"}}`))
	f.Add([]byte(`{"params":{"log_files":["C:\\x"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := ParseDiagRequest(b)
		if err != nil {
			return
		}
		// A request that parsed must survive a round trip unchanged.
		out, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("marshal parsed request: %v", err)
		}
		again, err := ParseDiagRequest(out)
		if err != nil {
			t.Fatalf("reparse %s: %v", out, err)
		}
		if diff := cmp.Diff(req, again); diff != "" {
			t.Fatalf("round trip changed the request (-first +second):\n%s", diff)
		}
	})
}

func FuzzParseDiagEvent(f *testing.F) {
	f.Add([]byte(`{"type":"result","result":{"name":"cpu","status":"ok","summary":"s","data":{"a":[1,"b",{"c":null}]},"duration_ms":3}}`))
	f.Add([]byte(`{"type":"done","duration_ms":9}`))
	f.Add([]byte(`{"type":"error","error":"bad"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseDiagEvent(b)
		if err != nil {
			return
		}
		if ev.Type == DiagEventResult && (ev.Result == nil || ev.Result.Name == "" || ev.Result.Data == nil) {
			t.Fatalf("accepted an incomplete result: %+v", ev)
		}
		if _, err := json.Marshal(ev); err != nil {
			t.Fatalf("parsed event does not marshal: %v", err)
		}
	})
}
