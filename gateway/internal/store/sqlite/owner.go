package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// ClaimUnowned gives every session and recording without an owner (rows
// written before owners were recorded, migration 0005) to owner, and
// returns how many rows it claimed. The gateway calls it at start, before
// crash recovery, so that an upgraded data directory recovers as before.
func (s *Store) ClaimUnowned(ctx context.Context, owner string) (int, error) {
	if owner == "" {
		return 0, fmt.Errorf("store: claim unowned rows: empty owner")
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`UPDATE sessions SET owner = ? WHERE owner = ''`,
			`UPDATE recordings SET owner = ? WHERE owner = ''`,
		} {
			res, err := tx.ExecContext(ctx, q, owner)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: claim unowned rows: %w", err)
	}
	return int(n), nil
}
