package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tetherhq/tether/gateway/internal/store"
)

// instanceFile, inside the data directory, holds this gateway's instance id.
const instanceFile = "instance-id"

// instanceRE is what an instance id may look like (generated: "gw_" and 16
// base32 characters; an operator may write their own, e.g. "gw-eu-1").
var instanceRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// loadOrCreateInstance returns the instance id of the gateway that runs on
// dataDir: read from DATA/instance-id, or generated and written there on
// first start. Sessions and recordings are stamped with it, and crash
// recovery touches only the rows that carry it, so it must stay the same
// across restarts of one data directory and differ between gateways that
// share a database.
func loadOrCreateInstance(dataDir string) (string, error) {
	p := filepath.Join(dataDir, instanceFile)
	b, err := os.ReadFile(p)
	switch {
	case err == nil:
		id := strings.TrimSpace(string(b))
		if !instanceRE.MatchString(id) {
			return "", fmt.Errorf("server: %s: not an instance id (want 1-64 of a-z, 0-9, '_', '.', '-')", p)
		}
		return id, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("server: instance id: %w", err)
	}
	id := store.NewID("gw_")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("server: instance id: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return "", fmt.Errorf("server: instance id: %w", err)
	}
	return id, nil
}
