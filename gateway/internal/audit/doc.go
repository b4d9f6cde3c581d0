// Package audit keeps Tether's tamper-evident audit log: who did what, to
// which ticket and session, from where, and when.
//
// It exists so that an auditor can trust the log even though it lives in an
// ordinary database the operator can edit. Every entry carries the SHA-256
// of its own canonical encoding (see Canonical), and that encoding includes
// the previous entry's hash, so the entries form a chain:
//
//	seq 1            seq 2            seq 3
//	prev_hash ""     prev_hash H1     prev_hash H2
//	hash H1 ───────► hash H2 ───────► hash H3
//
// Editing an entry changes its hash; deleting or reordering entries breaks
// the seq numbering or the prev_hash links. Verify walks the chain and names
// the first entry that does not hold. It also refuses details that JSON
// readers would disagree on (a key written twice, invalid UTF-8): those
// would let an edited row verify while SQL queries read another value.
//
// What the chain does not prove on its own: that nobody removed entries from
// the end, or rewrote the whole chain with freshly computed hashes. Keep
// Result.Head (the last hash) somewhere the database's editor cannot reach —
// an export, a ticket comment, a log shipper — to anchor the chain.
//
// Logger is what the rest of the gateway uses: Record(ctx, Event) stamps the
// time, encodes the details and appends through the store, which serialises
// appends so the chain never forks. A nil *Logger records nothing.
package audit
