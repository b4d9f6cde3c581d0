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

// recoverAfterCrash closes what a previous run of this gateway instance left
// open: its sessions that can be resumed wait for their clients (the rest
// end), and its recordings that were being written are sealed as
// interrupted, with the SHA-256 of the prefix that reached disk. Rows owned
// by other instances (gateways sharing the database) are not touched; rows
// from before owners were recorded are claimed first, so an upgraded data
// directory recovers as it did.
func recoverAfterCrash(ctx context.Context, st recoveryStore, instance string, blobs *blob.Dir, al *audit.Logger, log *slog.Logger) (resumable []string, err error) {
	at := nowUTC()
	claimed, err := st.ClaimUnowned(ctx, instance)
	if err != nil {
		return nil, fmt.Errorf("server: claim unowned rows: %w", err)
	}
	if claimed > 0 {
		log.Info("claimed sessions and recordings written before owners were recorded", "count", claimed, "instance", instance)
	}
	ids, err := st.SuspendOpenSessions(ctx, instance, "gateway restarted; waiting for the client to reconnect", "gateway restarted", at)
	if err != nil {
		return nil, fmt.Errorf("server: suspend open sessions: %w", err)
	}
	if len(ids) > 0 {
		log.Info("sessions waiting for their clients to reconnect", "count", len(ids))
	}
	recs, err := st.InterruptOpenRecordings(ctx, instance, at)
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
