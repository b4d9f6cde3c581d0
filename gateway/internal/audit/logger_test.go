package audit

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tetherhq/tether/gateway/internal/store"
)

func TestNilLoggerIsNoOp(t *testing.T) {
	var l *Logger
	if err := l.Record(context.Background(), Event{Action: ActionLoginOK}); err != nil {
		t.Errorf("nil Logger Record = %v, want nil", err)
	}
}

func TestNewRequiresStore(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New(Config{}) = nil error, want one")
	}
}

func TestRecordStoresEntry(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	var got []store.AuditEntry
	l := newLogger(t, st, func(e store.AuditEntry) { got = append(got, e) })
	err := l.Record(ctx, Event{
		Actor: "alice", Action: ActionScopeGrant, TicketID: 12, SessionID: "s_1", RemoteAddr: "127.0.0.1:1",
		Details: map[string]any{"scope": "shell", "b": []int{1, 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Record(ctx, Event{Actor: "bob", Action: ActionLogout}); err != nil {
		t.Fatal(err)
	}
	stored, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stored, got); diff != "" {
		t.Errorf("OnAppend saw different entries than stored (-stored +onappend):\n%s", diff)
	}
	want := []store.AuditEntry{
		{Seq: 1, Time: t0.Add(1e6), Actor: "alice", Action: "scope.grant", TicketID: 12, SessionID: "s_1",
			RemoteAddr: "127.0.0.1:1", Details: json.RawMessage(`{"b":[1,2],"scope":"shell"}`)},
		{Seq: 2, Time: t0.Add(2e6), Actor: "bob", Action: "logout", Details: json.RawMessage(`{}`)},
	}
	want[0].Hash = Hash("", &want[0])
	want[1].PrevHash = want[0].Hash
	want[1].Hash = Hash(want[0].Hash, &want[1])
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("stored entries (-want +got):\n%s", diff)
	}
}

func TestRecordErrors(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	l := newLogger(t, st, nil)
	if err := l.Record(ctx, Event{Actor: "a"}); err == nil {
		t.Error("empty action: nil error")
	}
	if err := l.Record(ctx, Event{Action: ActionDiagRun, Details: map[string]any{"x": math.Inf(1)}}); err == nil {
		t.Error("unencodable details: nil error")
	}
	boom := errors.New("disk full")
	bad := newLogger(t, failingStore{boom}, nil)
	if err := bad.Record(ctx, Event{Action: ActionLoginOK}); !errors.Is(err, boom) {
		t.Errorf("store failure: err = %v, want %v", err, boom)
	}
}

type failingStore struct{ err error }

func (f failingStore) AppendAudit(context.Context, *store.AuditEntry, func(string, *store.AuditEntry) string) error {
	return f.err
}

func TestConcurrentRecordsKeepChain(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	l := newLogger(t, st, nil)
	const workers, each = 6, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := l.Record(ctx, Event{Actor: "t", Action: ActionDiagRun, Details: map[string]any{"i": i}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	res, err := Verify(ctx, FromStore(ctx, st))
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Entries != workers*each {
		t.Errorf("Verify = %+v, want OK with %d entries", res, workers*each)
	}
}

func TestActionsAreDottedAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Actions {
		if seen[a] || strings.ToLower(a) != a || strings.ContainsAny(a, " _") {
			t.Errorf("action %q is duplicated or not lowercase dotted", a)
		}
		seen[a] = true
	}
	if len(Actions) != 44 {
		t.Errorf("len(Actions) = %d, want 44", len(Actions))
	}
}
