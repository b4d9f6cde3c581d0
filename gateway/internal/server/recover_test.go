package server

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/store"
)

func TestInstanceIDStable(t *testing.T) {
	dir := t.TempDir()
	first, err := loadOrCreateInstance(dir)
	if err != nil {
		t.Fatalf("first start: %v", err)
	}
	if !instanceRE.MatchString(first) {
		t.Errorf("generated id %q does not match %s", first, instanceRE)
	}
	again, err := loadOrCreateInstance(dir)
	if err != nil || again != first {
		t.Errorf("restart: id = %q, %v; want %q", again, err, first)
	}
	other, err := loadOrCreateInstance(t.TempDir())
	if err != nil || other == first {
		t.Errorf("another data directory: id = %q, %v; want a different id than %q", other, err, first)
	}
	if err := os.WriteFile(filepath.Join(dir, instanceFile), []byte("../bad id\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if id, err := loadOrCreateInstance(dir); err == nil {
		t.Errorf("malformed instance-id file: got %q, want an error", id)
	}
}

// TestRecoveryTouchesOnlyOwnRows: two gateways share one database; the one
// that restarts suspends and interrupts only its own sessions and
// recordings, and claims the rows from before owners were recorded.
func TestRecoveryTouchesOnlyOwnRows(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := openStore(ctx, data, "gw_a")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tk := &store.Ticket{Title: "printer", CreatedBy: "alice"}
	if err := st.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	for _, ss := range []store.Session{
		{ID: "s_mine", State: store.SessionConnected},                    // stamped gw_a by the store
		{ID: "s_mine_resumable", State: store.SessionConnected},          // gets a resume hash below
		{ID: "s_theirs", State: store.SessionConnected, Owner: "gw_b"},   // another live gateway's
		{ID: "s_theirs_r", State: store.SessionConnected, Owner: "gw_b"}, // resumable, but not ours
	} {
		ss.TicketID = tk.ID
		if err := st.CreateSession(ctx, &ss); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"s_mine_resumable", "s_theirs_r"} {
		if err := st.SetSessionResume(ctx, id, "hash-"+id); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []store.Recording{
		{ID: "r_mine", SessionID: "s_mine"},
		{ID: "r_theirs", SessionID: "s_theirs", Owner: "gw_b"},
	} {
		r.TicketID, r.Kind, r.Key = tk.ID, store.KindTerminal, "1/"+r.ID+".cast"
		if err := st.CreateRecording(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	blobs, err := blob.NewDir(filepath.Join(data, recordingsDir))
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	al, err := audit.New(audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	resumable, err := recoverAfterCrash(ctx, st, "gw_a", blobs, al, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("recoverAfterCrash: %v", err)
	}
	if want := []string{"s_mine_resumable"}; !slices.Equal(resumable, want) {
		t.Errorf("resumable = %v, want %v", resumable, want)
	}
	wantSessions := map[string]string{
		"s_mine": store.SessionEnded, "s_mine_resumable": store.SessionWaiting,
		"s_theirs": store.SessionConnected, "s_theirs_r": store.SessionConnected,
	}
	for id, want := range wantSessions {
		ss, err := st.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if ss.State != want {
			t.Errorf("session %s: state %q, want %q", id, ss.State, want)
		}
	}
	wantRecordings := map[string]string{"r_mine": store.RecordingInterrupted, "r_theirs": store.RecordingActive}
	for id, want := range wantRecordings {
		r, err := st.Recording(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != want {
			t.Errorf("recording %s: state %q, want %q", id, r.State, want)
		}
	}
}

// TestRecoveryClaimsRowsFromBeforeOwners: rows written before migration
// 0005 have no owner; the first start after the upgrade treats them as its
// own, as recovery did before owners existed.
func TestRecoveryClaimsRowsFromBeforeOwners(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	old, err := OpenStore(ctx, data) // no instance: rows stay unowned
	if err != nil {
		t.Fatal(err)
	}
	tk := &store.Ticket{Title: "old", CreatedBy: "alice"}
	if err := old.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if err := old.CreateSession(ctx, &store.Session{ID: "s_old", TicketID: tk.ID, State: store.SessionConnected}); err != nil {
		t.Fatal(err)
	}
	if err := old.CreateRecording(ctx, &store.Recording{ID: "r_old", TicketID: tk.ID, SessionID: "s_old", Kind: store.KindTerminal, Key: "1/r_old.cast"}); err != nil {
		t.Fatal(err)
	}
	old.Close()

	st, err := openStore(ctx, data, "gw_new")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	blobs, err := blob.NewDir(filepath.Join(data, recordingsDir))
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	al, err := audit.New(audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := recoverAfterCrash(ctx, st, "gw_new", blobs, al, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("recoverAfterCrash: %v", err)
	}
	ss, err := st.Session(ctx, "s_old")
	if err != nil {
		t.Fatal(err)
	}
	if ss.State != store.SessionEnded || ss.Owner != "gw_new" {
		t.Errorf("old session: state %q owner %q, want %q owned by gw_new", ss.State, ss.Owner, store.SessionEnded)
	}
	r, err := st.Recording(ctx, "r_old")
	if err != nil {
		t.Fatal(err)
	}
	if r.State != store.RecordingInterrupted || r.Owner != "gw_new" {
		t.Errorf("old recording: state %q owner %q, want %q owned by gw_new", r.State, r.Owner, store.RecordingInterrupted)
	}
}
