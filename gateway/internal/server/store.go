package server

import (
	"context"
	"path/filepath"
	"time"

	"github.com/tetherhq/tether/gateway/internal/api"
	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/broker"
	"github.com/tetherhq/tether/gateway/internal/store"
	"github.com/tetherhq/tether/gateway/internal/store/sqlite"
)

// Store is everything the running gateway needs from its database: the
// union of what its parts declare (api, broker, audit) plus what the wiring
// itself uses (crash recovery, the first admin, Close). This file is the
// only place in the gateway, besides the store's own packages, that names a
// backend.
type Store interface {
	api.Store
	api.SecurityStore
	broker.Store
	audit.Appender
	audit.Reader
	recoveryStore
	CountUsers(ctx context.Context) (int, error)
	Close() error
}

// recoveryStore is what crash recovery needs.
type recoveryStore interface {
	SuspendOpenSessions(ctx context.Context, reason, endReason string, at time.Time) ([]string, error)
	InterruptOpenRecordings(ctx context.Context, at time.Time) ([]store.Recording, error)
	UpdateRecording(ctx context.Context, r *store.Recording) error
}

var _ Store = (*sqlite.Store)(nil)

// DBPath returns the database file of a data directory.
func DBPath(dataDir string) string { return filepath.Join(dataDir, dbFile) }

// OpenStore opens (creating it if needed) the database of a data directory
// and brings its schema up to date. The gateway and the offline commands
// (package admin) both open it here, so the choice of backend is made once.
func OpenStore(ctx context.Context, dataDir string) (Store, error) {
	st, err := sqlite.Open(ctx, DBPath(dataDir))
	if err != nil {
		return nil, err
	}
	return st, nil
}
