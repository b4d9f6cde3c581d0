package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// canonicalMagic starts every canonical encoding; bump its version if the
// field list or an encoding rule changes (old entries then need the old rule
// to verify).
const canonicalMagic = "tether-audit-v1\n"

// Canonical returns the bytes an entry's hash is computed over: every field
// except Hash, in a fixed order, each length-prefixed so no choice of field
// values can make two different entries encode alike:
//
//	tether-audit-v1\n
//	seq <len>:<decimal seq>\n
//	time <len>:<Time in UTC, RFC 3339 with nanoseconds (time.RFC3339Nano)>\n
//	actor <len>:<actor>\n
//	action <len>:<action>\n
//	ticket_id <len>:<decimal ticket id>\n
//	session_id <len>:<session id>\n
//	remote_addr <len>:<remote addr>\n
//	details <len>:<details>\n
//	prev_hash <len>:<prev hash>\n
//
// <len> is the decimal byte length of the value that follows the colon.
// Details are re-encoded as compact JSON with object keys sorted and numbers
// kept as written, so storage that reformats JSON (e.g. a database's JSON
// type) still verifies; empty details encode as {}. Details that are not
// valid JSON are hashed as the raw bytes behind a "!raw:" prefix (valid JSON
// never starts with '!'), so tampering that breaks the JSON is still caught.
// Details that readers would disagree on (a key twice in one object, invalid
// UTF-8; see checkDetails) are hashed raw the same way: re-encoding would
// silently drop one of the two values, so `{"user":"bob","user":"mallory"}`
// would hash like `{"user":"mallory"}` while SQLite's json_extract reads bob.
func Canonical(e store.AuditEntry) []byte {
	var b bytes.Buffer
	b.Grow(256 + len(e.Details))
	b.WriteString(canonicalMagic)
	field := func(name string, v []byte) {
		b.WriteString(name)
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.Write(v)
		b.WriteByte('\n')
	}
	field("seq", strconv.AppendInt(nil, e.Seq, 10))
	field("time", []byte(e.Time.UTC().Format(time.RFC3339Nano)))
	field("actor", []byte(e.Actor))
	field("action", []byte(e.Action))
	field("ticket_id", strconv.AppendInt(nil, e.TicketID, 10))
	field("session_id", []byte(e.SessionID))
	field("remote_addr", []byte(e.RemoteAddr))
	field("details", canonicalJSON(e.Details))
	field("prev_hash", []byte(e.PrevHash))
	return b.Bytes()
}

// canonicalJSON re-encodes raw as compact JSON with sorted keys.
func canonicalJSON(raw json.RawMessage) []byte {
	if len(bytes.Trim(raw, jsonSpace)) == 0 {
		return []byte("{}")
	}
	if checkDetails(raw) != nil {
		return append([]byte("!raw:"), raw...)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || len(bytes.Trim(raw[dec.InputOffset():], jsonSpace)) != 0 {
		return append([]byte("!raw:"), raw...)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return append([]byte("!raw:"), raw...)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// Hash returns the hex SHA-256 of e's canonical encoding with e.PrevHash
// taken as prevHash. It has the shape of the seal function that
// store.AppendAudit calls inside its transaction.
func Hash(prevHash string, e *store.AuditEntry) string {
	c := *e
	c.PrevHash = prevHash
	sum := sha256.Sum256(Canonical(c))
	return hex.EncodeToString(sum[:])
}

// jsonSpace is the whitespace JSON allows between tokens.
const jsonSpace = " \t\r\n"
