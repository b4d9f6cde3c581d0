package audit

import (
	"context"
	"strings"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/store"
)

func TestBoundActor(t *testing.T) {
	huge := strings.Repeat("x", 900<<10)
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"gateway", "gateway"},
		{"a.b_c@d-e", "a.b_c@d-e"},
		{strings.Repeat("a", MaxActorLen), strings.Repeat("a", MaxActorLen)},
		{"", ""},
		{strings.Repeat("a", MaxActorLen+1), "(oversized name: 65 bytes, sha256 635361c48bb9eab1)"},
		{"bob\x1b[2J", `"bob\x1b[2J"`},
		{"bob\nlogin.ok", `"bob\nlogin.ok"`},
		{"b\xffob", `"b\xffob"`},
		{"bob\u202e", `"bob\u202e"`},
	}
	for _, tt := range tests {
		got := BoundActor(tt.in)
		if got != tt.want {
			t.Errorf("BoundActor(%.30q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > 6*MaxActorLen {
			t.Errorf("BoundActor(%.30q) is %d bytes, want it bounded", tt.in, len(got))
		}
	}
	if a, b := BoundActor(huge), BoundActor(huge+"y"); a == b || len(a) > 64 {
		t.Errorf("two different oversized names: %q and %q; want distinct markers of at most 64 bytes", a, b)
	}
}

// TestRecordBoundsTheActor: whatever a caller passes, the row in the real
// SQLite file holds a bounded actor, and the chain still verifies.
func TestRecordBoundsTheActor(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	l := newLogger(t, st, nil)
	huge := strings.Repeat("m", 900<<10)
	for _, actor := range []string{huge, "bob\x1b]0;owned\x07"} {
		if err := l.Record(ctx, Event{Actor: actor, Action: ActionLoginFail}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil || len(es) != 2 {
		t.Fatalf("ListAudit = %d entries, %v; want 2", len(es), err)
	}
	if got := es[0].Actor; !strings.HasPrefix(got, "(oversized name: 921600 bytes, sha256 ") {
		t.Errorf("stored actor for a 900 KiB name = %.80q, want the oversized marker", got)
	}
	if got, want := es[1].Actor, `"bob\x1b]0;owned\a"`; got != want {
		t.Errorf("stored actor with control characters = %q, want %q", got, want)
	}
	if res, err := Verify(ctx, FromStore(ctx, st)); err != nil || !res.OK {
		t.Errorf("Verify = %+v, %v; want OK", res, err)
	}
}
