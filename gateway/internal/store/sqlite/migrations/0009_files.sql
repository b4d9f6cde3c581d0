-- Issue 15: files collected from the user into a ticket and sent to the
-- user's Downloads folder. The bytes live in the blob store under blob_key
-- next to the ticket's recordings ('' when nothing was stored).
CREATE TABLE files (
	id         TEXT    PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	session_id TEXT    NOT NULL,
	direction  TEXT    NOT NULL CHECK (direction IN ('collect', 'send')),
	actor      TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	path       TEXT    NOT NULL DEFAULT '',
	size       INTEGER NOT NULL,
	sha256     TEXT    NOT NULL,
	state      TEXT    NOT NULL CHECK (state IN ('complete', 'refused', 'failed')),
	error      TEXT    NOT NULL DEFAULT '',
	blob_key   TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX files_ticket ON files (ticket_id, created_at);
