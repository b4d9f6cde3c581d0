-- Sessions can be resumed after a dropped link or a gateway restart: the
-- client proves it is the same client with a secret token whose SHA-256
-- (hex) is kept here. Empty means not resumable.
ALTER TABLE sessions ADD COLUMN resume_hash TEXT NOT NULL DEFAULT '';
