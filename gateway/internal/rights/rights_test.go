package rights

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// world is what the test Checker consults: which users lost their right.
type world struct {
	mu     sync.Mutex
	revoke map[string]error
	ended  []string
}

func (w *world) check(_ context.Context, h Hold) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.revoke[h.User]
}

func (w *world) set(user string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.revoke[user] = err
}

func newRegistry(t *testing.T, sweep time.Duration) (*Registry, *world) {
	t.Helper()
	w := &world{revoke: map[string]error{}}
	r, err := New(Config{Check: w.check, Sweep: sweep, OnEnd: func(h Hold, cause error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.ended = append(w.ended, h.User+":"+h.What)
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r, w
}

func waitDone(t *testing.T, ctx context.Context) error {
	t.Helper()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-time.After(10 * time.Second):
		t.Fatal("hold did not end")
		return nil
	}
}

func isLive(ctx context.Context) bool { return ctx.Err() == nil }

func TestUserChangedEndsOnlyThatUsersFailingHolds(t *testing.T) {
	r, w := newRegistry(t, time.Hour)
	alice, relA := r.Hold(context.Background(), Hold{User: "alice", What: "shell"})
	defer relA()
	bob, relB := r.Hold(context.Background(), Hold{User: "bob", What: "shell"})
	defer relB()

	r.UserChanged(context.Background(), "alice") // still allowed
	if !isLive(alice) {
		t.Fatalf("alice's hold ended although Check allowed it: %v", context.Cause(alice))
	}
	w.set("alice", ErrDisabled)
	w.set("bob", ErrDisabled) // but nobody told the registry about bob
	r.UserChanged(context.Background(), "alice")
	if got := waitDone(t, alice); !errors.Is(got, ErrDisabled) || !errors.Is(got, ErrWithdrawn) {
		t.Errorf("alice's cause = %v, want ErrDisabled (an ErrWithdrawn)", got)
	}
	if !isLive(bob) {
		t.Errorf("bob's hold ended on alice's change")
	}
	if r.Len() != 1 {
		t.Errorf("Len = %d, want 1", r.Len())
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.ended) != 1 || w.ended[0] != "alice:shell" {
		t.Errorf("OnEnd calls = %v, want [alice:shell]", w.ended)
	}
}

func TestTicketChanged(t *testing.T) {
	r, w := newRegistry(t, time.Hour)
	on7, rel7 := r.Hold(context.Background(), Hold{User: "alice", TicketID: 7, What: "screen"})
	defer rel7()
	on8, rel8 := r.Hold(context.Background(), Hold{User: "alice", TicketID: 8, What: "screen"})
	defer rel8()
	w.set("alice", ErrReassigned)
	r.TicketChanged(context.Background(), 7)
	if got := waitDone(t, on7); !errors.Is(got, ErrReassigned) {
		t.Errorf("cause = %v, want ErrReassigned", got)
	}
	if !isLive(on8) {
		t.Errorf("the hold on ticket 8 ended on a change of ticket 7")
	}
}

func TestTokenExpiryEndsHold(t *testing.T) {
	r, _ := newRegistry(t, time.Hour)
	ctx, rel := r.Hold(context.Background(), Hold{User: "alice", Expires: time.Now().Add(50 * time.Millisecond)})
	defer rel()
	if got := waitDone(t, ctx); !errors.Is(got, ErrTokenExpired) {
		t.Errorf("cause = %v, want ErrTokenExpired", got)
	}
	past, rel2 := r.Hold(context.Background(), Hold{User: "alice", Expires: time.Now().Add(-time.Second)})
	defer rel2()
	if got := waitDone(t, past); !errors.Is(got, ErrTokenExpired) {
		t.Errorf("already expired: cause = %v, want ErrTokenExpired", got)
	}
}

func TestSweepCatchesChangesMadeElsewhere(t *testing.T) {
	r, w := newRegistry(t, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	h, rel := r.Hold(context.Background(), Hold{User: "alice"})
	defer rel()
	w.set("alice", ErrSignedOut)
	if got := waitDone(t, h); !errors.Is(got, ErrSignedOut) {
		t.Errorf("cause = %v, want ErrSignedOut", got)
	}
}

func TestReleaseIsNotAWithdrawal(t *testing.T) {
	r, w := newRegistry(t, time.Hour)
	ctx, rel := r.Hold(context.Background(), Hold{User: "alice", Expires: time.Now().Add(time.Hour)})
	rel()
	rel() // twice is harmless
	if errors.Is(context.Cause(ctx), ErrWithdrawn) {
		t.Errorf("released hold has cause %v", context.Cause(ctx))
	}
	w.set("alice", ErrDisabled)
	r.UserChanged(context.Background(), "alice")
	if r.Len() != 0 || len(w.ended) != 0 {
		t.Errorf("released hold still tracked: Len=%d, OnEnd=%v", r.Len(), w.ended)
	}
}
