-- Sessions and recordings record the gateway instance that owns them (its
-- id, stable across restarts of one data directory), so that crash recovery
-- and resumption touch only the rows of the gateway that restarts. Rows from
-- before this migration have no owner (''); the gateway claims them for
-- itself on its first start (Store.ClaimUnowned).
ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_owner_state ON sessions (owner, state);
CREATE INDEX recordings_owner_state ON recordings (owner, state);
