package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// testSeal is a stand-in for audit.Hash (package audit imports package store).
func testSeal(prev string, e *store.AuditEntry) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%s|%s|%d|%s|%s|%s|%d",
		prev, e.Seq, e.Actor, e.Action, e.TicketID, e.SessionID, e.RemoteAddr, e.Details, e.Time.UnixNano()))
	return hex.EncodeToString(h[:])
}

func (x *suite) testAppendAuditRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	var want []store.AuditEntry
	for i, v := range nasty {
		d, _ := json.Marshal(map[string]string{"note": v})
		e := &store.AuditEntry{Actor: v, Action: "diag.run", TicketID: int64(i), SessionID: v, RemoteAddr: v, Details: d}
		if err := s.AppendAudit(ctx, e, testSeal); err != nil {
			t.Fatalf("AppendAudit(%q): %v", v, err)
		}
		if e.Seq != int64(i+1) || !e.Time.Equal(clk.Now()) || e.Hash != testSeal(e.PrevHash, e) {
			t.Errorf("AppendAudit filled seq=%d time=%v hash=%q", e.Seq, e.Time, e.Hash)
		}
		want = append(want, *e)
		clk.Advance(time.Millisecond)
	}
	empty := &store.AuditEntry{Action: "logout", Time: time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))}
	if err := s.AppendAudit(ctx, empty, testSeal); err != nil {
		t.Fatal(err)
	}
	if string(empty.Details) != "{}" || empty.Time.Location() != time.UTC {
		t.Errorf("empty details = %q, time = %v; want {} and UTC", empty.Details, empty.Time)
	}
	want = append(want, *empty)

	for _, st := range []Store{s, x.reopen(t, s)} {
		got, err := st.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListAudit (-want +got):\n%s", diff)
		}
		var streamed []store.AuditEntry
		if err := st.AllAudit(ctx, func(e store.AuditEntry) error { streamed = append(streamed, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, streamed); diff != "" {
			t.Errorf("AllAudit (-want +got):\n%s", diff)
		}
		for _, e := range got {
			if e.Hash != testSeal(e.PrevHash, &e) {
				t.Errorf("seq %d: stored row does not reproduce its hash", e.Seq)
			}
		}
	}
}

func (x *suite) testAppendAuditRejects(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	for name, e := range map[string]*store.AuditEntry{
		"no action":     {Actor: "a"},
		"bad details":   {Action: "x", Details: json.RawMessage(`{"a"`)},
		"time too late": {Action: "x", Time: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if err := s.AppendAudit(ctx, e, testSeal); err == nil {
			t.Errorf("%s: AppendAudit = nil error", name)
		}
	}
	if err := s.AppendAudit(ctx, &store.AuditEntry{Action: "x"}, nil); err == nil {
		t.Error("nil seal: AppendAudit = nil error")
	}
	n := 0
	_ = s.AllAudit(ctx, func(store.AuditEntry) error { n++; return nil })
	if n != 0 {
		t.Errorf("rejected appends left %d rows", n)
	}
}

func (x *suite) testAppendAuditConcurrentChain(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	other := x.reopen(t, s) // a second handle on the same data, like a CLI process
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			st := s
			if w%2 == 1 {
				st = other
			}
			for i := 0; i < each; i++ {
				e := &store.AuditEntry{Actor: fmt.Sprintf("w%d", w), Action: "shell.open", Details: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}
				if err := st.AppendAudit(ctx, e, testSeal); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent AppendAudit: %v", err)
	}
	var seq int64
	prev := ""
	err := s.AllAudit(ctx, func(e store.AuditEntry) error {
		seq++
		if e.Seq != seq {
			return fmt.Errorf("seq %d, want %d", e.Seq, seq)
		}
		if e.PrevHash != prev {
			return fmt.Errorf("seq %d: prev_hash does not link", e.Seq)
		}
		if e.Hash != testSeal(prev, &e) {
			return fmt.Errorf("seq %d: hash does not recompute", e.Seq)
		}
		prev = e.Hash
		return nil
	})
	if err != nil {
		t.Fatalf("chain broken: %v", err)
	}
	if seq != workers*each {
		t.Errorf("chain has %d entries, want %d", seq, workers*each)
	}
}

func (x *suite) testListAuditFilters(t *testing.T) {
	ctx := context.Background()
	s, clk := x.openTest(t)
	add := func(actor, action string, ticket int64) {
		if err := s.AppendAudit(ctx, &store.AuditEntry{Actor: actor, Action: action, TicketID: ticket}, testSeal); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	add("alice", "login.ok", 0)      // 1 @ t0
	add("alice", "ticket.create", 1) // 2 @ t0+1s
	add("bob", "login.ok", 0)        // 3 @ t0+2s
	add("alice", "shell.open", 1)    // 4 @ t0+3s
	add("bob", "ticket.create", 2)   // 5 @ t0+4s
	add("a_ice", "login.fail", 0)    // 6 @ t0+5s
	tests := []struct {
		name string
		f    store.AuditFilter
		want []int64
	}{
		{"all", store.AuditFilter{}, []int64{1, 2, 3, 4, 5, 6}},
		{"ticket", store.AuditFilter{TicketID: 1}, []int64{2, 4}},
		{"actor exact, no LIKE", store.AuditFilter{Actor: "a_ice"}, []int64{6}},
		{"action", store.AuditFilter{Action: "login.ok"}, []int64{1, 3}},
		{"actor+action", store.AuditFilter{Actor: "bob", Action: "ticket.create"}, []int64{5}},
		{"since inclusive", store.AuditFilter{Since: t0.Add(3 * time.Second)}, []int64{4, 5, 6}},
		{"until exclusive", store.AuditFilter{Until: t0.Add(2 * time.Second)}, []int64{1, 2}},
		{"window", store.AuditFilter{Since: t0.Add(time.Second), Until: t0.Add(3 * time.Second)}, []int64{2, 3}},
		{"after seq", store.AuditFilter{AfterSeq: 4}, []int64{5, 6}},
		{"limit", store.AuditFilter{Limit: 2}, []int64{1, 2}},
		{"page", store.AuditFilter{AfterSeq: 2, Limit: 2}, []int64{3, 4}},
		{"none", store.AuditFilter{Actor: "'; DROP TABLE audit; --"}, []int64{}},
		{"action group", store.AuditFilter{Action: "login."}, []int64{1, 3, 6}},
		{"action group is a prefix of dotted names only", store.AuditFilter{Action: "log."}, []int64{}},
		{"a lone dot is exact, not everything", store.AuditFilter{Action: "."}, []int64{}},
		{"before seq", store.AuditFilter{BeforeSeq: 3}, []int64{1, 2}},
		{"newest first", store.AuditFilter{Desc: true}, []int64{6, 5, 4, 3, 2, 1}},
		{"newest first page", store.AuditFilter{Desc: true, BeforeSeq: 5, Limit: 2}, []int64{4, 3}},
		{"newest first, group and actor", store.AuditFilter{Desc: true, Action: "login.", Actor: "alice"}, []int64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListAudit(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			seqs := []int64{}
			for _, e := range got {
				seqs = append(seqs, e.Seq)
			}
			if diff := cmp.Diff(tt.want, seqs); diff != "" {
				t.Errorf("ListAudit(%+v) (-want +got):\n%s", tt.f, diff)
			}
		})
	}
}

func (x *suite) testAllAuditStopsOnCallbackError(t *testing.T) {
	ctx := context.Background()
	s, _ := x.openTest(t)
	for i := 0; i < 5; i++ {
		if err := s.AppendAudit(ctx, &store.AuditEntry{Action: "x"}, testSeal); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("stop")
	n := 0
	err := s.AllAudit(ctx, func(store.AuditEntry) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("AllAudit err = %v after %d calls, want stop after 2", err, n)
	}
}
