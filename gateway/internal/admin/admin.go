// Package admin implements the gateway's offline operator commands (user
// add, audit verify and export, recording verify) against a data directory,
// so the binary stays wiring and tests can call them directly.
package admin

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/tetherhq/tether/gateway/internal/audit"
	"github.com/tetherhq/tether/gateway/internal/auth"
	"github.com/tetherhq/tether/gateway/internal/recorder"
	"github.com/tetherhq/tether/gateway/internal/server"
	"github.com/tetherhq/tether/gateway/internal/store"
)

// Store is what the offline commands need from the gateway's database.
// They open it through server.OpenStore, so the backend is chosen in one
// place; nothing here names it.
type Store interface {
	CreateUser(ctx context.Context, u *store.User) error
	UserByName(ctx context.Context, name string) (*store.User, error)
	ListUsers(ctx context.Context) ([]store.User, error)
	UpdateUser(ctx context.Context, u *store.User) error
	AllAudit(ctx context.Context, fn func(store.AuditEntry) error) error
	AppendAudit(ctx context.Context, e *store.AuditEntry, seal func(prevHash string, e *store.AuditEntry) string) error
	Recording(ctx context.Context, id string) (*store.Recording, error)
	Close() error
}

// DBPath returns the database file of a data directory.
func DBPath(dataDir string) string { return server.DBPath(dataDir) }

// open opens the data directory's database, creating it if needed.
func open(ctx context.Context, dataDir string) (Store, error) {
	return server.OpenStore(ctx, dataDir)
}

// openExisting opens the data directory's database, which must exist.
func openExisting(ctx context.Context, dataDir string) (Store, error) {
	p := DBPath(dataDir)
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("no gateway database at %s (is --data right?)", p)
	}
	return open(ctx, dataDir)
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// AddUser creates a user in the data directory's database.
func AddUser(ctx context.Context, dataDir, name, role, displayName, password string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if !nameRE.MatchString(name) {
		return errors.New("--name must be 1-64 lowercase letters, digits, '.', '_', '@' or '-'")
	}
	if audit.Reserved(name) {
		return fmt.Errorf("--name %s is reserved for the gateway's own audit entries (reserved: %s)", name, strings.Join(audit.ReservedNames(), ", "))
	}
	if !store.Role(role).Valid() {
		return errors.New("--role must be admin, technician or auditor")
	}
	if err := auth.ValidatePassword(password); err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	st, err := open(ctx, dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	u := &store.User{Name: name, DisplayName: displayName, Role: store.Role(role), PasswordHash: hash}
	if err := st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a user named %q already exists", name)
		}
		return err
	}
	al, err := audit.New(audit.Config{Store: st})
	if err != nil {
		return err
	}
	return al.Record(ctx, audit.Event{Actor: "cli", Action: audit.ActionUserCreate, Details: map[string]any{"user": name, "role": role}})
}

// VerifyAudit checks the data directory's audit chain.
func VerifyAudit(ctx context.Context, dataDir string) (audit.Result, error) {
	st, err := openExisting(ctx, dataDir)
	if err != nil {
		return audit.Result{}, err
	}
	defer st.Close()
	return audit.Verify(ctx, func(fn func(store.AuditEntry) error) error { return st.AllAudit(ctx, fn) })
}

// ExportAudit writes the audit chain as JSON Lines.
func ExportAudit(ctx context.Context, dataDir string, w io.Writer) error {
	st, err := openExisting(ctx, dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	return audit.Export(ctx, func(fn func(store.AuditEntry) error) error { return st.AllAudit(ctx, fn) }, w)
}

// RecordingResult says whether a recording file is intact and authentic.
type RecordingResult struct {
	SHA256      string // of the file as it is
	Sealed      string // the SHA-256 in the seal
	Intact      bool   // SHA256 == Sealed
	SignatureOK bool   // the seal's signature verifies with the gateway's key
	Note        string
	// SealSeq is the audit entry that sealed the recording (0 when the seal
	// was given by hand with --sha256).
	SealSeq int64
	// Problems lists why the seal itself cannot be trusted: the audit chain
	// is broken, holds no seal or several for the recording, or the
	// recordings row disagrees with the seal in the chain. Any problem means
	// the recording is not verified, whatever Intact says.
	Problems []string
}

// VerifyRecording checks file against its seal. With sealSHA given (and
// sealSig) it checks against those; otherwise it looks the seal up in the
// data directory: it verifies the audit chain, takes the one
// recording.seal or recording.interrupted entry for the recording id in the
// file name, checks the file against that entry and the recordings row
// against it too. The public key comes from DATA/keys/signing.pub unless
// pubKeyFile is given.
func VerifyRecording(ctx context.Context, dataDir, pubKeyFile, file, sealSHA, sealSig string) (RecordingResult, error) {
	var res RecordingResult
	f, err := os.Open(file)
	if err != nil {
		return res, err
	}
	defer f.Close()
	if sealSHA == "" {
		if dataDir == "" {
			return res, errors.New("give --data (to look up the seal) or --sha256 and --signature")
		}
		id := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".cast"), ".tsr")
		seal, err := chainSeal(ctx, dataDir, id, &res)
		if err != nil {
			return res, err
		}
		sealSHA, sealSig = seal.SHA256, seal.Signature
	}
	if pubKeyFile == "" && dataDir != "" {
		pubKeyFile = filepath.Join(dataDir, "keys", "signing.pub")
	}
	var pub ed25519.PublicKey
	var pubErr error
	if sealSig != "" {
		pub, pubErr = readPub(pubKeyFile)
	}
	// The same check as the API's recording meta (recording.Service.Verify).
	v, err := recorder.Verify(f, sealSHA, sealSig, pub)
	if err != nil {
		return res, err
	}
	res.SHA256, res.Sealed, res.Intact = v.SHA256, sealSHA, v.Intact
	switch {
	case !v.Signed:
		res.Note = "the seal carries no signature"
	case pubErr != nil:
		res.Note = "cannot check the signature: " + pubErr.Error()
	default:
		res.SignatureOK = v.SignatureOK
	}
	return res, nil
}

func readPub(p string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	k, _, _, _, err := ssh.ParseAuthorizedKey(b)
	if err != nil {
		return nil, fmt.Errorf("bad public key file: %w", err)
	}
	ck, ok := k.(ssh.CryptoPublicKey)
	if !ok {
		return nil, errors.New("bad public key file")
	}
	pub, ok := ck.CryptoPublicKey().(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("the public key is not Ed25519")
	}
	return pub, nil
}
