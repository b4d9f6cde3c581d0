-- 0001_init: the first Tether schema.
--
-- Portable on purpose: plain types a PostgreSQL port maps one to one
-- (INTEGER -> BIGINT, TEXT -> TEXT, INTEGER PRIMARY KEY -> BIGSERIAL/IDENTITY).
-- Times are INTEGER unix nanoseconds, UTC; NULL means "not yet".
-- JSON columns (scopes, granted, counts, details, body) are TEXT holding JSON.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL DEFAULT '',
    totp_secret   TEXT    NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL,
    requester   TEXT    NOT NULL DEFAULT '',
    created_by  TEXT    NOT NULL DEFAULT '',
    assigned_to TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX tickets_status ON tickets (status, created_at);

CREATE TABLE invites (
    code       TEXT    PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    created_by TEXT    NOT NULL DEFAULT '',
    scopes     TEXT    NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    session_id TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX invites_ticket ON invites (ticket_id, created_at);

CREATE TABLE sessions (
    id             TEXT    PRIMARY KEY,
    ticket_id      INTEGER NOT NULL REFERENCES tickets (id),
    invite_code    TEXT    NOT NULL DEFAULT '',
    technician     TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL,
    scopes         TEXT    NOT NULL DEFAULT '[]',
    granted        TEXT    NOT NULL DEFAULT '[]',
    host_hostname  TEXT    NOT NULL DEFAULT '',
    host_os        TEXT    NOT NULL DEFAULT '',
    host_os_version TEXT   NOT NULL DEFAULT '',
    host_arch      TEXT    NOT NULL DEFAULT '',
    host_user      TEXT    NOT NULL DEFAULT '',
    client_version TEXT    NOT NULL DEFAULT '',
    remote_addr    TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    connected_at   INTEGER,
    ended_at       INTEGER,
    end_reason     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_ticket ON sessions (ticket_id, created_at);
CREATE INDEX sessions_state ON sessions (state);

CREATE TABLE recordings (
    id         TEXT    PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    session_id TEXT    NOT NULL DEFAULT '',
    kind       TEXT    NOT NULL,
    actor      TEXT    NOT NULL DEFAULT '',
    title      TEXT    NOT NULL DEFAULT '',
    state      TEXT    NOT NULL,
    blob_key   TEXT    NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    size       INTEGER NOT NULL DEFAULT 0,
    sha256     TEXT    NOT NULL DEFAULT '',
    signature  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX recordings_ticket ON recordings (ticket_id, started_at);
CREATE INDEX recordings_state ON recordings (state);

CREATE TABLE reports (
    id          TEXT    PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    session_id  TEXT    NOT NULL DEFAULT '',
    actor       TEXT    NOT NULL DEFAULT '',
    runbook     TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    counts      TEXT    NOT NULL DEFAULT '{}',
    body        TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX reports_ticket ON reports (ticket_id, created_at);

-- The audit log is append-only; seq is assigned by AppendAudit (max + 1)
-- inside the same write transaction that reads the previous hash.
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    time        INTEGER NOT NULL,
    actor       TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    ticket_id   INTEGER NOT NULL DEFAULT 0,
    session_id  TEXT    NOT NULL DEFAULT '',
    remote_addr TEXT    NOT NULL DEFAULT '',
    details     TEXT    NOT NULL DEFAULT '{}',
    prev_hash   TEXT    NOT NULL DEFAULT '',
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_ticket ON audit (ticket_id, seq);
CREATE INDEX audit_time ON audit (time);
