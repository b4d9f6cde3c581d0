package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// Source streams audit entries in seq order to fn, stopping at fn's first
// error. Build one from a store with FromStore.
type Source func(fn func(store.AuditEntry) error) error

// Reader is a store that can stream the whole audit table; every store
// backend implements it.
type Reader interface {
	AllAudit(ctx context.Context, fn func(store.AuditEntry) error) error
}

// FromStore adapts a Reader to a Source bound to ctx.
func FromStore(ctx context.Context, r Reader) Source {
	return func(fn func(store.AuditEntry) error) error { return r.AllAudit(ctx, fn) }
}

// Result is the outcome of Verify.
type Result struct {
	// Entries is how many entries the source held.
	Entries int64 `json:"entries"`
	// OK is true when every entry holds.
	OK bool `json:"ok"`
	// FirstBad is the seq at which the chain first breaks (0 when OK). For a
	// missing entry it is the seq that should have come next.
	FirstBad int64 `json:"first_bad,omitempty"`
	// Reason says, for a person, what is wrong at FirstBad.
	Reason string `json:"reason,omitempty"`
	// Head is the hash of the last entry ("" for an empty log): record it
	// elsewhere to detect later truncation or a rewritten chain.
	Head string `json:"head"`
}

// Verify walks the chain from src and checks that seqs run 1, 2, 3, … with
// no gap, that each entry's PrevHash is the previous entry's Hash (""
// for the first), that each entry's details read the same to every JSON
// reader (no key twice in one object, valid UTF-8: the Logger never writes
// anything else), and that each Hash recomputes from the entry's contents.
// It reports the first entry that fails; the error is only for a source
// that fails or a cancelled ctx.
func Verify(ctx context.Context, src func(fn func(store.AuditEntry) error) error) (Result, error) {
	res := Result{OK: true}
	prev := ""
	err := src(func(e store.AuditEntry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		res.Entries++
		want := res.Entries
		if res.OK {
			switch {
			case e.Seq != want:
				res.OK, res.FirstBad = false, want
				if e.Seq > want {
					res.Reason = fmt.Sprintf("entry %d is missing (next entry found is %d)", want, e.Seq)
				} else {
					res.Reason = fmt.Sprintf("entry %d found where %d belongs (entries out of order)", e.Seq, want)
				}
			case e.PrevHash != prev:
				res.OK, res.FirstBad = false, want
				res.Reason = fmt.Sprintf("entry %d does not link to entry %d (prev_hash differs)", want, want-1)
			case checkDetails(e.Details) != nil:
				res.OK, res.FirstBad = false, want
				res.Reason = fmt.Sprintf("entry %d was altered (%v)", want, checkDetails(e.Details))
			case e.Hash != Hash(prev, &e):
				res.OK, res.FirstBad = false, want
				res.Reason = fmt.Sprintf("entry %d was altered (its hash does not match its contents)", want)
			}
		}
		prev = e.Hash
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("audit: verify: %w", err)
	}
	res.Head = prev
	return res, nil
}

// Export writes every entry from src to w as JSON Lines (one AuditEntry
// object per line, fields as in docs/api.md). Details that are not valid
// JSON (a tampered row) are exported as a JSON string so the export stays
// readable and Verify-able evidence.
func Export(ctx context.Context, src func(fn func(store.AuditEntry) error) error, w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err := src(func(e store.AuditEntry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !json.Valid(e.Details) {
			s, _ := json.Marshal(string(e.Details)) // a string always marshals
			e.Details = s
		}
		return enc.Encode(e)
	})
	if err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}
