-- Issue 14: ticket notes and worklog, the note of an escalation and the
-- resolution note, read by the next technician on the ticket's timeline.
-- minutes is the time spent (worklog only; NULL when not given);
-- recipient names who an escalation handed the ticket to ('' otherwise).
CREATE TABLE notes (
	id         TEXT    PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	author     TEXT    NOT NULL,
	kind       TEXT    NOT NULL CHECK (kind IN ('note', 'worklog', 'escalation', 'resolution')),
	body       TEXT    NOT NULL,
	minutes    INTEGER,
	recipient  TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX notes_ticket ON notes (ticket_id, created_at);
