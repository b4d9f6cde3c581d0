-- Issue 13: how the user gave consent, the user's rating of the help, the
-- chat between technician and user, and live requests for more scopes.
-- feedback_hash is the SHA-256 (hex) of the session's feedback token (the
-- token itself is never stored); rating 0 means "not rated".
ALTER TABLE sessions ADD COLUMN consent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN feedback_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN rating INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN rating_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN rated_at INTEGER;

CREATE TABLE chat_messages (
	id         TEXT    PRIMARY KEY,
	session_id TEXT    NOT NULL REFERENCES sessions (id),
	ticket_id  INTEGER NOT NULL,
	seq        INTEGER NOT NULL,
	sender     TEXT    NOT NULL CHECK (sender IN ('technician', 'user')),
	author     TEXT    NOT NULL,
	text       TEXT    NOT NULL,
	at         INTEGER NOT NULL,
	UNIQUE (session_id, seq)
);

CREATE TABLE asks (
	id          TEXT    PRIMARY KEY,
	session_id  TEXT    NOT NULL REFERENCES sessions (id),
	ticket_id   INTEGER NOT NULL,
	technician  TEXT    NOT NULL,
	scopes      TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	state       TEXT    NOT NULL CHECK (state IN ('pending', 'answered', 'cancelled')),
	allowed     TEXT    NOT NULL DEFAULT '[]',
	via         TEXT    NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	answered_at INTEGER
);
CREATE INDEX asks_session ON asks (session_id, created_at);
