package wire

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func chatSeeds(f *testing.F) {
	for _, v := range []any{
		ChatMessage{ID: "c_1", From: "Alice", Text: "hello\nsecond line", At: time.Unix(1, 0)},
		ChatMessage{Text: "\x1b[2J\u202e" + strings.Repeat("x\n", 80)},
		AskNotice{ID: "a_1", Technician: "Alice", Scopes: []string{"shell", "screen"}, Reason: "why\x07"},
		AnswerNotice{AskID: "a_1", Allowed: []string{"shell"}, Via: ConsentWindow},
		Feedback{SessionID: "s_1", Token: "t", Rating: 4, Comment: "good\r\x1b]0;x\x07"},
	} {
		b, _ := json.Marshal(v)
		f.Add(b)
	}
	for _, s := range []string{`{}`, `null`, `[]`, `{"text":""}`, `{"text":" \n "}`, `{"id":"a","scopes":["root"]}`,
		`{"ask_id":"a","allowed":["shell"],"via":"flag"}`, `{"session_id":"s","token":"t","rating":9}`,
		// ids that are only control characters: empty once cleaned (CI found the first).
		`{"id":"\u0007","scopes":["screen"]}`, `{"ask_id":"\u001b\u202e","allowed":[],"via":"window"}`} {
		f.Add([]byte(s))
	}
}

// chatClean reports whether s is what CleanChatText lets through: valid,
// bounded, no control character but line breaks, at most 50 lines.
func chatClean(s string) bool {
	if strings.Count(s, "\n") > 49 || utf8.RuneCountInString(s) > MaxChatText {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if !cleanText(line, MaxChatText) {
			return false
		}
	}
	return s == strings.TrimSpace(s) || strings.Trim(s, " \n") == s
}

// FuzzParseChatMessage: whatever a peer sends, a parsed message is clean
// and bounded, and never empty.
func FuzzParseChatMessage(f *testing.F) {
	chatSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseChatMessage(b)
		if err != nil {
			return
		}
		if m.Text == "" || !chatClean(m.Text) || !cleanText(m.From, 64) || !cleanText(m.ID, MaxIDLen) {
			t.Fatalf("unclean message %q", m)
		}
	})
}

// FuzzParseAskNotice: a parsed ask names at least one known scope, each
// once, and carries clean text.
func FuzzParseAskNotice(f *testing.F) {
	chatSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseAskNotice(b)
		if err != nil {
			return
		}
		sc, err := NewScopes(n.Scopes)
		if err != nil || len(sc) == 0 || len(sc) != len(n.Scopes) || n.ID == "" {
			t.Fatalf("bad scopes or id in %+v", n)
		}
		if !cleanText(n.ID, MaxIDLen) || !cleanText(n.Technician, 64) || !cleanText(n.Reason, MaxAskReason) {
			t.Fatalf("unclean ask %+v", n)
		}
	})
}

// FuzzParseAnswerNotice: a parsed answer has known scopes and a method
// that asked someone (never "flag").
func FuzzParseAnswerNotice(f *testing.F) {
	chatSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseAnswerNotice(b)
		if err != nil {
			return
		}
		if _, err := NewScopes(n.Allowed); err != nil || n.AskID == "" || (n.Via != ConsentWindow && n.Via != ConsentTerminal) {
			t.Fatalf("bad answer %+v", n)
		}
	})
}

// FuzzParseFeedback: a parsed rating is 1 to 5 with a clean, bounded comment.
func FuzzParseFeedback(f *testing.F) {
	chatSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		fb, err := ParseFeedback(b)
		if err != nil {
			return
		}
		if fb.Rating < 1 || fb.Rating > 5 || fb.SessionID == "" || fb.Token == "" || (fb.Comment != "" && !chatClean(fb.Comment)) {
			t.Fatalf("bad feedback %+v", fb)
		}
	})
}
