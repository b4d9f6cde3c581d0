// Package sqlite is the embedded store backend: every method the gateway's
// consumer interfaces ask for, over one SQLite file, through
// modernc.org/sqlite (pure Go, no cgo). It passes the conformance suite in
// store/storetest; its own tests cover what is SQLite's alone (pragmas, the
// file on disk, reopening, migrations of an old file).
//
// # Storage conventions
//
//   - SQLite through modernc.org/sqlite (pure Go, no cgo), opened in WAL mode
//     with busy_timeout=5000, foreign_keys=ON and synchronous=FULL (a
//     committed audit entry survives a power cut) on every connection.
//     Measured here: ~1.8 ms per AppendAudit (one fsync), ~6 ms to list
//     1000 audit entries.
//   - Every time is stored as INTEGER unix nanoseconds in UTC and read back as a
//     time.Time in UTC; optional times are NULL when unset. Integers compare
//     correctly in SQL (invite expiry, audit ranges) on SQLite and PostgreSQL
//     alike (BIGINT), where RFC 3339 text with trimmed fractions would not.
//     Times outside 1678..2262 cannot be represented and are rejected.
//   - List-valued and map-valued fields (scopes, granted, counts) and the audit
//     details and report body are TEXT columns holding JSON.
//   - The schema is created by embedded, numbered migrations
//     (migrations/NNNN_name.sql); the schema_version table records which ran.
//     Open applies the missing ones, each in its own transaction, so reopening
//     a file is idempotent.
//   - Writes are serialised in-process by a mutex and across processes by
//     SQLite's write lock (transactions BEGIN IMMEDIATE, so a read-then-write
//     transaction such as AppendAudit never fails to upgrade its lock); WAL
//     lets readers run alongside.
//   - Sessions and recordings have an owner column (migration 0005): the
//     gateway instance that runs them, stamped on create from the row's
//     Owner or the handle's WithOwner, never changed by an update. Crash
//     recovery's methods (SuspendOpenSessions, InterruptOpenRecordings) take
//     the owner whose rows they may touch; ClaimUnowned gives rows from
//     before the migration to the first gateway that starts.
//   - Text search (TicketFilter.Query) uses LIKE with an ESCAPE character so
//     that '%' and '_' typed by a user match literally. SQLite's LIKE is
//     case-insensitive for ASCII only; a PostgreSQL port should use ILIKE.
//
// Errors are wrapped once with the operation ("store: create user: ...") and
// the sentinels ErrNotFound, ErrConflict, ErrInviteUsed and ErrInviteExpired
// are matched with errors.Is.
package sqlite
