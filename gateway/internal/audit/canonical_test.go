package audit

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

var sample = store.AuditEntry{
	Seq:        41,
	Time:       time.Date(2026, 11, 24, 10, 0, 0, 500, time.FixedZone("CET", 3600)),
	Actor:      "alice",
	Action:     ActionShellOpen,
	TicketID:   12,
	SessionID:  "s_abc",
	RemoteAddr: "127.0.0.1:4242",
	Details:    json.RawMessage(`{ "z": 1, "a": {"y": "<b>", "x": 1.50} }`),
	PrevHash:   "ff00",
	Hash:       "ignored",
}

func TestCanonicalGolden(t *testing.T) {
	want := "tether-audit-v1\n" +
		"seq 2:41\n" +
		"time 28:2026-11-24T09:00:00.0000005Z\n" +
		"actor 5:alice\n" +
		"action 10:shell.open\n" +
		"ticket_id 2:12\n" +
		"session_id 5:s_abc\n" +
		"remote_addr 14:127.0.0.1:4242\n" +
		`details 32:{"a":{"x":1.50,"y":"<b>"},"z":1}` + "\n" +
		"prev_hash 4:ff00\n"
	if got := string(Canonical(sample)); got != want {
		t.Errorf("Canonical =\n%s\nwant\n%s", got, want)
	}
}

func TestCanonicalDistinguishes(t *testing.T) {
	base := sample
	variants := map[string]func(e *store.AuditEntry){
		"seq":              func(e *store.AuditEntry) { e.Seq++ },
		"time ns":          func(e *store.AuditEntry) { e.Time = e.Time.Add(time.Nanosecond) },
		"actor":            func(e *store.AuditEntry) { e.Actor = "alicf" },
		"shift actor/act":  func(e *store.AuditEntry) { e.Actor, e.Action = "alices", "hell.open" },
		"ticket":           func(e *store.AuditEntry) { e.TicketID = 13 },
		"session":          func(e *store.AuditEntry) { e.SessionID = "s_abd" },
		"remote":           func(e *store.AuditEntry) { e.RemoteAddr = "127.0.0.1:4243" },
		"details value":    func(e *store.AuditEntry) { e.Details = json.RawMessage(`{"a":{"x":1.5,"y":"<b>"},"z":1}`) },
		"details invalid":  func(e *store.AuditEntry) { e.Details = json.RawMessage(`{"a":`) },
		"details trailing": func(e *store.AuditEntry) { e.Details = json.RawMessage(`{"z":1,"a":{"y":"<b>","x":1.50}} {}`) },
		"prev":             func(e *store.AuditEntry) { e.PrevHash = "ff01" },
		"newline in actor": func(e *store.AuditEntry) { e.Actor = "alice\naction 3:x" },
	}
	c0 := string(Canonical(base))
	for name, mutate := range variants {
		e := base
		mutate(&e)
		if string(Canonical(e)) == c0 {
			t.Errorf("%s: canonical encoding unchanged", name)
		}
	}
}

func TestCanonicalIgnoresJSONFormatting(t *testing.T) {
	a, b := sample, sample
	b.Details = json.RawMessage("\n{\"a\" : {\"y\":\"\\u003cb\\u003e\",\"x\":1.50},\t\"z\":1}\n")
	b.Hash = "other"
	b.Time = sample.Time.UTC()
	if string(Canonical(a)) != string(Canonical(b)) {
		t.Errorf("key order, spacing, escapes, zone or Hash changed the encoding:\n%s\n%s", Canonical(a), Canonical(b))
	}
	empty := sample
	for _, d := range []string{"", " ", "{}"} {
		empty.Details = json.RawMessage(d)
		e2 := sample
		e2.Details = json.RawMessage("{}")
		if string(Canonical(empty)) != string(Canonical(e2)) {
			t.Errorf("details %q did not encode as {}", d)
		}
	}
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestHash(t *testing.T) {
	e := sample
	h := Hash("aa", &e)
	if !hexHash.MatchString(h) {
		t.Fatalf("Hash = %q, want 64 hex chars", h)
	}
	if e.PrevHash != "ff00" {
		t.Errorf("Hash modified its argument: PrevHash = %q", e.PrevHash)
	}
	e.PrevHash = "aa"
	e.Hash = "x"
	if got := Hash("aa", &e); got != h {
		t.Errorf("Hash depends on e.PrevHash/e.Hash instead of prevHash: %q != %q", got, h)
	}
	if Hash("ab", &e) == h {
		t.Error("Hash ignores prevHash")
	}
}

func FuzzCanonical(f *testing.F) {
	f.Add(int64(1), int64(0), "alice", "login.ok", "s_1", "127.0.0.1:1", `{"a":1}`, "")
	f.Add(int64(9), int64(3), "", "", "", "", ``, "ff")
	f.Add(int64(-1), int64(-5), "a\nb", "x 3:y", "\x00", "::1", `[1,"\u00e9",{"b":null,"a":[true]}]`, "00")
	f.Add(int64(2), int64(2), "é", "🎉", "s", "r", `{"a":`, "p")
	f.Add(int64(3), int64(1), "bob", "user.create", "", "", `{"user":"mallory","x":{"k":1},"user":"bob"}`, "")
	f.Add(int64(4), int64(1), "bob", "user.create", "", "", `{"user":"\ud800"}`, "")
	f.Fuzz(func(t *testing.T, seq, ticket int64, actor, action, session, remote, details, prev string) {
		e := store.AuditEntry{
			Seq: seq, Time: time.Unix(0, seq).UTC(), Actor: actor, Action: action, TicketID: ticket,
			SessionID: session, RemoteAddr: remote, Details: json.RawMessage(details), PrevHash: prev,
		}
		c1 := Canonical(e)
		if string(c1) != string(Canonical(e)) {
			t.Fatal("Canonical is not deterministic")
		}
		h := Hash(prev, &e)
		if !hexHash.MatchString(h) || h != Hash(prev, &e) {
			t.Fatalf("Hash = %q unstable or malformed", h)
		}
		// Re-canonicalising canonical details is a fixed point, so storage
		// that normalises JSON keeps the hash. (Ambiguous details are hashed
		// raw, never normalised.)
		if json.Valid([]byte(details)) && checkDetails(e.Details) == nil {
			d := canonicalJSON(e.Details)
			e2 := e
			e2.Details = d
			if string(Canonical(e2)) != string(c1) {
				t.Fatalf("canonical details %s are not a fixed point", d)
			}
		}
		// Moving a byte from one field into its neighbour changes the encoding.
		if actor != "" {
			e3 := e
			e3.Actor, e3.Action = actor[:len(actor)-1], actor[len(actor)-1:]+action
			if string(Canonical(e3)) == string(c1) {
				t.Fatal("field boundary is ambiguous")
			}
		}
	})
}
