-- 0002_mfa: second factors and ticket hand-over.
--
-- users.totp_secret (0001) is the *active* TOTP secret; totp_pending holds a
-- secret being enrolled until the user proves it with a code. totp_last_step
-- is the last accepted TOTP time step, so a code cannot be replayed within
-- its window. Recovery codes are stored as SHA-256 hashes, one row each, and
-- deleted when used (single use).

ALTER TABLE users ADD COLUMN totp_pending   TEXT    NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    user_name TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_name, code_hash)
);

CREATE INDEX tickets_assigned ON tickets (assigned_to, status);
