package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// MaxActorLen is the longest actor the audit log stores as given: the
// longest user name the gateway accepts.
const MaxActorLen = 64

// BoundActor returns the actor as the audit log stores it. A short,
// printable actor (every user name, and the system actors gateway, client
// and cli) is kept as it is. A longer one, such as a 900 KB name typed at
// the sign-in form, becomes
//
//	(oversized name: 921600 bytes, sha256 1f2e3d4c5b6a7988)
//
// with the first 8 bytes of its SHA-256, so repeated attempts with the same
// name can still be told apart. A short one with control characters or
// invalid UTF-8 is stored Go-quoted ("\x1b[2J"). Neither form can be taken
// for a user: user names hold neither parentheses, spaces nor quotes.
func BoundActor(s string) string {
	if len(s) > MaxActorLen {
		sum := sha256.Sum256([]byte(s))
		return fmt.Sprintf("(oversized name: %d bytes, sha256 %s)", len(s), hex.EncodeToString(sum[:8]))
	}
	if !printable(s) {
		return strconv.QuoteToASCII(s)
	}
	return s
}

// printable reports whether s is valid UTF-8 made of printable characters
// (a space counts; other white space, controls and format characters do not).
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// reservedNames are actors the gateway itself writes (gateway, client,
// cli) or that a reader of the audit log would take for the system. A user
// with one of these names would be indistinguishable from it, so creating
// one is refused. "admin" is not reserved: it is the bootstrap user.
var reservedNames = []string{"gateway", "client", "cli", "system", "tether", "server", "root", "anonymous", "unknown"}

// Reserved reports whether name (already lowercased) is reserved for a
// system actor and may not name a user.
func Reserved(name string) bool { return slices.Contains(reservedNames, name) }

// ReservedNames lists the reserved names, for error messages and docs.
func ReservedNames() []string { return slices.Clone(reservedNames) }
