package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// sealEntry is the part of a recording.seal (or recording.interrupted)
// audit entry's details that identifies the sealed file.
type sealEntry struct {
	Seq         int64  `json:"-"`
	Actor       string `json:"-"`
	TicketID    int64  `json:"-"`
	SessionID   string `json:"-"`
	RecordingID string `json:"recording_id"`
	SHA256      string `json:"sha256"`
	Signature   string `json:"signature"`
	Size        int64  `json:"size"`
}

// sealActor is the actor the gateway writes seal entries as.
const sealActor = "gateway"

// chainSeal verifies the data directory's audit chain and returns the seal
// the chain holds for recording id, in one pass over the chain. What makes
// the seal untrustworthy (broken chain, no seal or several, a recordings row
// that disagrees) is appended to res.Problems; the error is for a database
// that cannot be read.
func chainSeal(ctx context.Context, dataDir, id string, res *RecordingResult) (sealEntry, error) {
	st, err := openExisting(ctx, dataDir)
	if err != nil {
		return sealEntry{}, err
	}
	defer st.Close()
	var seals []sealEntry
	src := func(fn func(store.AuditEntry) error) error {
		return st.AllAudit(ctx, func(e store.AuditEntry) error {
			if e.Action == audit.ActionRecordingSeal || e.Action == audit.ActionRecordingInterrupted {
				var s sealEntry
				if json.Unmarshal(e.Details, &s) == nil && s.RecordingID == id {
					s.Seq, s.Actor, s.TicketID, s.SessionID = e.Seq, e.Actor, e.TicketID, e.SessionID
					seals = append(seals, s)
				}
			}
			return fn(e)
		})
	}
	chain, err := audit.Verify(ctx, src)
	if err != nil {
		return sealEntry{}, err
	}
	if !chain.OK {
		res.Problems = append(res.Problems, fmt.Sprintf("the audit chain is broken at seq %d (%s): its seals cannot be trusted", chain.FirstBad, chain.Reason))
	}
	switch len(seals) {
	case 0:
		res.Problems = append(res.Problems, fmt.Sprintf("the audit chain holds no seal for recording %q", id))
		return sealEntry{}, nil
	case 1:
	default:
		var seqs []string
		for _, s := range seals {
			seqs = append(seqs, fmt.Sprint(s.Seq))
		}
		res.Problems = append(res.Problems, fmt.Sprintf("the audit chain holds %d seals for recording %q (seq %s); a recording is sealed once", len(seals), id, strings.Join(seqs, ", ")))
		return sealEntry{}, nil
	}
	seal := seals[0]
	res.SealSeq = seal.Seq
	if seal.Actor != sealActor {
		res.Problems = append(res.Problems, fmt.Sprintf("the seal at seq %d was written by %q, not by the gateway", seal.Seq, seal.Actor))
	}
	rec, err := st.Recording(ctx, id)
	if err != nil {
		res.Problems = append(res.Problems, fmt.Sprintf("no recordings row for %q: %v", id, err))
		return seal, nil
	}
	var differ []string
	if !strings.EqualFold(rec.SHA256, seal.SHA256) {
		differ = append(differ, "sha256")
	}
	if rec.Signature != seal.Signature {
		differ = append(differ, "signature")
	}
	if rec.Size != seal.Size {
		differ = append(differ, "size")
	}
	if rec.TicketID != seal.TicketID {
		differ = append(differ, "ticket")
	}
	if rec.SessionID != seal.SessionID {
		differ = append(differ, "session")
	}
	if len(differ) > 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("the recordings row disagrees with the seal at seq %d on %s (the row was edited)", seal.Seq, strings.Join(differ, ", ")))
	}
	return seal, nil
}
