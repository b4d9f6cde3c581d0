package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

const recordingCols = `id, ticket_id, session_id, kind, actor, title, state, blob_key,
	started_at, ended_at, size, sha256, signature, owner`

func validRecordingState(s string) bool {
	return s == store.RecordingActive || s == store.RecordingSealed || s == store.RecordingInterrupted
}

func scanRecording(r scanner) (store.Recording, error) {
	var rec store.Recording
	var started int64
	var ended sql.NullInt64
	err := r.Scan(&rec.ID, &rec.TicketID, &rec.SessionID, &rec.Kind, &rec.Actor, &rec.Title, &rec.State, &rec.Key,
		&started, &ended, &rec.Size, &rec.SHA256, &rec.Signature, &rec.Owner)
	rec.StartedAt, rec.EndedAt = fromNanos(started), fromOptNanos(ended)
	return rec, err
}

// CreateRecording inserts rec (ID chosen by the caller), filling
// rec.StartedAt when zero, rec.State (RecordingActive) when empty and
// rec.Owner (the store's instance, see WithOwner) when empty.
func (s *Store) CreateRecording(ctx context.Context, rec *store.Recording) error {
	if rec.ID == "" {
		return fmt.Errorf("store: create recording: empty id")
	}
	if rec.Kind != store.KindTerminal && rec.Kind != store.KindScreen {
		return fmt.Errorf("store: create recording %s: invalid kind %q", rec.ID, rec.Kind)
	}
	if rec.State == "" {
		rec.State = store.RecordingActive
	}
	if !validRecordingState(rec.State) {
		return fmt.Errorf("store: create recording %s: invalid state %q", rec.ID, rec.State)
	}
	started := s.orNow(rec.StartedAt)
	owner := rec.Owner
	if owner == "" {
		owner = s.owner
	}
	err := func() error {
		sn, err := toNanos(started)
		if err != nil {
			return err
		}
		ended, err := optNanos(rec.EndedAt)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, `INSERT INTO recordings (`+recordingCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.ID, rec.TicketID, rec.SessionID, rec.Kind, rec.Actor, rec.Title, rec.State, rec.Key,
			sn, ended, rec.Size, rec.SHA256, rec.Signature, owner)
		return mapErr(err)
	}()
	if err != nil {
		return fmt.Errorf("store: create recording %s: %w", rec.ID, err)
	}
	rec.StartedAt, rec.Owner = started, owner
	return nil
}

// Recording returns recording id, or ErrNotFound.
func (s *Store) Recording(ctx context.Context, id string) (*store.Recording, error) {
	rec, err := scanRecording(s.db.QueryRowContext(ctx, `SELECT `+recordingCols+` FROM recordings WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: recording %s: %w", id, mapErr(err))
	}
	return &rec, nil
}

// ListRecordings returns a ticket's recordings, oldest first.
func (s *Store) ListRecordings(ctx context.Context, ticketID int64) ([]store.Recording, error) {
	return s.listRecordings(ctx, `ticket_id = ?`, ticketID)
}

func (s *Store) listRecordings(ctx context.Context, where string, arg any) ([]store.Recording, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordingCols+` FROM recordings WHERE `+where+`
		ORDER BY started_at, id`, arg)
	if err != nil {
		return nil, fmt.Errorf("store: list recordings: %w", err)
	}
	defer rows.Close()
	out := []store.Recording{}
	for rows.Next() {
		rec, err := scanRecording(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list recordings: %w", err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list recordings: %w", err)
	}
	return out, nil
}

// UpdateRecording stores rec's state, end time, size, SHA-256 and
// signature. An unknown id is ErrNotFound.
func (s *Store) UpdateRecording(ctx context.Context, rec *store.Recording) error {
	if !validRecordingState(rec.State) {
		return fmt.Errorf("store: update recording %s: invalid state %q", rec.ID, rec.State)
	}
	err := func() error {
		ended, err := optNanos(rec.EndedAt)
		if err != nil {
			return err
		}
		res, err := s.exec(ctx, `UPDATE recordings SET state = ?, ended_at = ?, size = ?, sha256 = ?, signature = ?
			WHERE id = ?`, rec.State, ended, rec.Size, rec.SHA256, rec.Signature, rec.ID)
		if err != nil {
			return mapErr(err)
		}
		return affected(res)
	}()
	if err != nil {
		return fmt.Errorf("store: update recording %s: %w", rec.ID, err)
	}
	return nil
}

// InterruptOpenRecordings marks every recording of owner still in state
// "recording" as "interrupted" ended at at, in one transaction, and returns
// them (with the new state) so the caller can seal their files. The gateway
// calls it at start with its own instance id; other instances' recordings
// are left alone.
func (s *Store) InterruptOpenRecordings(ctx context.Context, owner string, at time.Time) ([]store.Recording, error) {
	an, err := toNanos(at)
	if err != nil {
		return nil, fmt.Errorf("store: interrupt open recordings: %w", err)
	}
	var out []store.Recording
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+recordingCols+` FROM recordings WHERE state = ? AND owner = ?
			ORDER BY started_at, id`, store.RecordingActive, owner)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []store.Recording{}
		for rows.Next() {
			rec, err := scanRecording(rows)
			if err != nil {
				return err
			}
			ended := fromNanos(an)
			rec.State, rec.EndedAt = store.RecordingInterrupted, &ended
			out = append(out, rec)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		_, err = tx.ExecContext(ctx, `UPDATE recordings SET state = ?, ended_at = ? WHERE state = ? AND owner = ?`,
			store.RecordingInterrupted, an, store.RecordingActive, owner)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: interrupt open recordings: %w", err)
	}
	return out, nil
}
