package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/store"
)

const auditCols = `seq, time, actor, action, ticket_id, session_id, remote_addr, details, prev_hash, hash`

func scanAudit(r scanner) (store.AuditEntry, error) {
	var e store.AuditEntry
	var t int64
	var details string
	err := r.Scan(&e.Seq, &t, &e.Actor, &e.Action, &e.TicketID, &e.SessionID, &e.RemoteAddr, &details, &e.PrevHash, &e.Hash)
	e.Time = fromNanos(t)
	e.Details = json.RawMessage(details)
	return e, err
}

// AppendAudit appends e to the audit chain in one write transaction: it
// reads the last entry's seq and hash ("" before the first entry), sets
// e.Seq to last+1 and e.PrevHash, calls seal(e.PrevHash, e) for e.Hash and
// inserts the row. Appends from any number of goroutines (or processes)
// serialise, so the chain never forks. e.Time defaults to now and is stored
// in UTC; empty Details become {} (before sealing, so the stored row
// reproduces the hash).
func (s *Store) AppendAudit(ctx context.Context, e *store.AuditEntry, seal func(prevHash string, e *store.AuditEntry) string) error {
	if e.Action == "" {
		return fmt.Errorf("store: append audit: empty action")
	}
	if seal == nil {
		return fmt.Errorf("store: append audit %s: nil seal", e.Action)
	}
	if len(e.Details) == 0 {
		e.Details = json.RawMessage(`{}`)
	}
	if !json.Valid(e.Details) {
		return fmt.Errorf("store: append audit %s: details are not valid JSON", e.Action)
	}
	e.Time = s.orNow(e.Time)
	tn, err := toNanos(e.Time)
	if err != nil {
		return fmt.Errorf("store: append audit %s: %w", e.Action, err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var last int64
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&last, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		e.Seq, e.PrevHash = last+1, prev
		e.Hash = seal(prev, e)
		_, err = tx.ExecContext(ctx, `INSERT INTO audit (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, tn, e.Actor, e.Action, e.TicketID, e.SessionID, e.RemoteAddr, string(e.Details), e.PrevHash, e.Hash)
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("store: append audit %s: %w", e.Action, err)
	}
	return nil
}

// ListAudit returns the entries matching f in seq order (newest first
// when f.Desc).
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.TicketID != 0 {
		add(`ticket_id = ?`, f.TicketID)
	}
	if f.Actor != "" {
		add(`actor = ?`, f.Actor)
	}
	if g, ok := strings.CutSuffix(f.Action, "."); ok && g != "" {
		// A group: a range on the (action, seq) index, no LIKE (whose
		// wildcards an action name could contain).
		add(`action >= ?`, g+".")
		add(`action < ?`, g+"/") // '/' follows '.' in byte order
	} else if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if !f.Since.IsZero() {
		n, err := toNanos(f.Since)
		if err != nil {
			return nil, fmt.Errorf("store: list audit: since: %w", err)
		}
		add(`time >= ?`, n)
	}
	if !f.Until.IsZero() {
		n, err := toNanos(f.Until)
		if err != nil {
			return nil, fmt.Errorf("store: list audit: until: %w", err)
		}
		add(`time < ?`, n)
	}
	if f.AfterSeq > 0 {
		add(`seq > ?`, f.AfterSeq)
	}
	if f.BeforeSeq > 0 {
		add(`seq < ?`, f.BeforeSeq)
	}
	q := `SELECT ` + auditCols + ` FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	if f.Desc {
		q += ` ORDER BY seq DESC LIMIT ?`
	} else {
		q += ` ORDER BY seq LIMIT ?`
	}
	args = append(args, clampLimit(f.Limit, store.DefaultAuditLimit, store.MaxAuditLimit))

	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	out := []store.AuditEntry{}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list audit: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	return out, nil
}

// AllAudit streams every audit entry in seq order to fn, one row at a time,
// from one consistent snapshot. It stops at fn's first error and returns it
// unwrapped, so callers can compare their own sentinels.
func (s *Store) AllAudit(ctx context.Context, fn func(store.AuditEntry) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditCols+` FROM audit ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("store: read audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return fmt.Errorf("store: read audit: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read audit: %w", err)
	}
	return nil
}
