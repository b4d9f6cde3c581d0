package server

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/blob"
)

// recoverAfterCrash closes what a previous run of this gateway instance left
// open: its sessions that can be resumed wait for their clients (the rest
// end), and its recordings that were being written are sealed as
// interrupted, with the SHA-256 of the durable prefix the blob store
// recovered. Rows owned by other instances (gateways sharing the database)
// are not touched; rows from before owners were recorded are claimed first,
// so an upgraded data directory recovers as it did. Incomplete blobs that no
// open recording names (a crash between creating a file and its row, or
// after a seal but before its commit finished) are recovered too, so no
// data is lost, and logged: the blob store is this instance's own.
func recoverAfterCrash(ctx context.Context, st recoveryStore, instance string, blobs blob.Store, al *audit.Logger, log *slog.Logger) (resumable []string, err error) {
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
	named := make(map[string]bool, len(recs))
	for i := range recs {
		r := &recs[i]
		named[r.Key] = true
		info, err := blobs.Recover(ctx, r.Key)
		if err != nil {
			log.Error("recover interrupted recording", "recording_id", r.ID, "err", err)
			continue
		}
		r.SHA256, r.Size, r.EndedAt = hex.EncodeToString(info.SHA256[:]), info.Size, &at
		if err := st.UpdateRecording(ctx, r); err != nil {
			return nil, fmt.Errorf("server: seal interrupted recording: %w", err)
		}
		al.Record(ctx, audit.Event{Actor: "gateway", Action: audit.ActionRecordingInterrupted, TicketID: r.TicketID, SessionID: r.SessionID,
			Details: map[string]any{"recording_id": r.ID, "sha256": r.SHA256, "size": r.Size}})
	}
	recoverOrphanBlobs(ctx, blobs, named, log)
	return ids, nil
}

// recoverOrphanBlobs recovers the incomplete blobs not in named (the keys
// of the open recordings), keeping their data, and logs each.
func recoverOrphanBlobs(ctx context.Context, blobs blob.Store, named map[string]bool, log *slog.Logger) {
	keys, err := blobs.Incomplete(ctx)
	if err != nil {
		log.Error("list incomplete recordings", "err", err)
		return
	}
	for _, key := range keys {
		if named[key] {
			continue
		}
		info, err := blobs.Recover(ctx, key)
		if err != nil {
			log.Warn("recover an incomplete recording no open row names", "key", key, "err", err)
			continue
		}
		log.Warn("recovered an incomplete recording no open row names", "key", key, "size", info.Size)
	}
}
