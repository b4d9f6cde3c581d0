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

// recoveryStore is what crash recovery needs. Each method that changes
// open rows takes the owner whose rows it may touch.
type recoveryStore interface {
	ClaimUnowned(ctx context.Context, owner string) (int, error)
	SuspendOpenSessions(ctx context.Context, owner, reason, endReason string, at time.Time) ([]string, error)
	InterruptOpenRecordings(ctx context.Context, owner string, at time.Time) ([]store.Recording, error)
	UpdateRecording(ctx context.Context, r *store.Recording) error
}

var _ Store = (*sqlite.Store)(nil)

// DBPath returns the database file of a data directory.
func DBPath(dataDir string) string { return filepath.Join(dataDir, dbFile) }

// OpenStore opens (creating it if needed) the database of a data directory
// and brings its schema up to date. The gateway and the offline commands
// (package admin) both open it here, so the choice of backend is made once.
// The offline commands create no sessions or recordings, so the handle has
// no instance of its own.
func OpenStore(ctx context.Context, dataDir string) (Store, error) {
	return openStore(ctx, dataDir, "")
}

// openStore opens the data directory's database for the gateway instance
// (see loadOrCreateInstance); the sessions and recordings it creates belong
// to instance.
func openStore(ctx context.Context, dataDir, instance string) (Store, error) {
	var opts []sqlite.Option
	if instance != "" {
		opts = append(opts, sqlite.WithOwner(instance))
	}
	st, err := sqlite.Open(ctx, DBPath(dataDir), opts...)
	if err != nil {
		return nil, err
	}
	return st, nil
}
