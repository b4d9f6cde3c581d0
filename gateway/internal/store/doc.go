// Package store is the vocabulary of Tether's persistence: the rows (users,
// tickets, invites, sessions, recordings' metadata, diagnostic reports, audit
// entries), the filters that select them and the sentinel errors every
// backend returns.
//
// It holds no implementation, so that the rest of the gateway never writes
// SQL or names a database: handlers, the broker, audit, crash recovery and
// the offline commands each declare the small interface they need, over
// these types. The backends live below:
//
//   - store/sqlite: the embedded default (modernc.org/sqlite), and the only
//     package, with the wiring in package server, that imports its driver
//     (internal/archtest enforces it);
//   - store/storetest: the conformance suite every backend must pass
//     (storetest.Run), see docs/storage.md for how to add one.
//
// Sessions and recordings carry an Owner: the id of the gateway instance
// that runs them (stable across restarts of one data directory). Crash
// recovery touches only its own instance's rows.
//
// The sentinels ErrNotFound, ErrConflict, ErrInviteUsed and ErrInviteExpired
// are matched with errors.Is, whatever the backend.
package store
