package server

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/blob"
	"github.com/tetherhq/tether/gateway/internal/recorder"
)

// recoverAfterCrash closes what a previous run left open: sessions that can
// be resumed wait for their clients (the rest end), and recordings that were being written are
// sealed as interrupted, with the SHA-256 of the prefix that reached disk.
func recoverAfterCrash(ctx context.Context, st recoveryStore, blobs *blob.Dir, al *audit.Logger, log *slog.Logger) (resumable []string, err error) {
	at := nowUTC()
	ids, err := st.SuspendOpenSessions(ctx, "gateway restarted; waiting for the client to reconnect", "gateway restarted", at)
	if err != nil {
		return nil, fmt.Errorf("server: suspend open sessions: %w", err)
	}
	if len(ids) > 0 {
		log.Info("sessions waiting for their clients to reconnect", "count", len(ids))
	}
	recs, err := st.InterruptOpenRecordings(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("server: interrupt open recordings: %w", err)
	}
	for i := range recs {
		r := &recs[i]
		f, _, err := blobs.Open(r.Key)
		if err != nil {
			log.Error("open interrupted recording", "recording_id", r.ID, "err", err)
			continue
		}
		sum, size, err := recorder.SumFile(f)
		f.Close()
		if err != nil {
			log.Error("hash interrupted recording", "recording_id", r.ID, "err", err)
			continue
		}
		r.SHA256, r.Size, r.EndedAt = hex.EncodeToString(sum[:]), size, &at
		if err := st.UpdateRecording(ctx, r); err != nil {
			return nil, fmt.Errorf("server: seal interrupted recording: %w", err)
		}
		al.Record(ctx, audit.Event{Actor: "gateway", Action: audit.ActionRecordingInterrupted, TicketID: r.TicketID, SessionID: r.SessionID,
			Details: map[string]any{"recording_id": r.ID, "sha256": r.SHA256, "size": size}})
	}
	return ids, nil
}
