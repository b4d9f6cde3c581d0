package server

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"testing"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/blob/blobtest"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// TestRecoverAfterCrashSealsThroughTheBlobStore: a recording being written
// when the gateway died is sealed as interrupted with the hash of the
// prefix the blob store kept (here the object-store shape: what was
// synced), and an incomplete blob no row names is kept, not lost. Nothing
// is incomplete afterwards.
func TestRecoverAfterCrashSealsThroughTheBlobStore(t *testing.T) {
	ctx := t.Context()
	st, err := openStore(ctx, t.TempDir(), "gw_here")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tk := &store.Ticket{Title: "t"}
	if err := st.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	mem := blobtest.NewMem()
	write := func(key, synced, more string) {
		w, err := mem.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, synced)
		w.Sync()
		io.WriteString(w, more)
	}
	key := "1/r_open.cast"
	write(key, "header\nline\n", "unsynced")
	write("1/r_orphan.cast", "orphan\n", "")
	rec := &store.Recording{ID: "r_open", TicketID: tk.ID, SessionID: "s_1", Kind: store.KindTerminal, State: store.RecordingActive, Key: key}
	if err := st.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	blobs := mem.Reopen() // the crash
	al, err := audit.New(audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := recoverAfterCrash(ctx, st, "gw_here", blobs, al, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("recoverAfterCrash: %v", err)
	}
	got, err := st.Recording(ctx, "r_open")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("header\nline\n"))
	if got.State != store.RecordingInterrupted || got.SHA256 != hex.EncodeToString(sum[:]) || got.Size != 12 || got.EndedAt == nil {
		t.Errorf("recording after recovery = %+v, want interrupted with the synced prefix's hash and size 12", got)
	}
	if keys, _ := blobs.Incomplete(ctx); len(keys) != 0 {
		t.Errorf("Incomplete after recovery = %q, want none", keys)
	}
	for _, k := range []string{key, "1/r_orphan.cast"} {
		if _, err := blobs.Stat(ctx, k); err != nil {
			t.Errorf("Stat(%q) after recovery: %v, want the blob kept", k, err)
		}
	}
}
