package sqlite

import "time"

// Option configures a Store at Open.
type Option func(*Store)

// WithOwner makes id, the opening gateway's instance id, the owner of the
// sessions and recordings this handle creates without one. The gateway
// opens its store with it; offline commands, which create neither, need not.
func WithOwner(id string) Option { return func(s *Store) { s.owner = id } }

// WithClock sets the clock for default timestamps (tests); default time.Now.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }
