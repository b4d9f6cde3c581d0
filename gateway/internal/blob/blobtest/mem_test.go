package blobtest

import (
	"testing"

	"github.com/tetherhq/tether/gateway/internal/blob"
)

// TestMem runs the contract against Mem: the object-store shape, where a
// blob being written does not exist for Open and a crash keeps only what
// was synced.
func TestMem(t *testing.T) {
	Run(t, func(t *testing.T) (blob.Store, func(*testing.T) blob.Store) {
		m := NewMem()
		return m, func(*testing.T) blob.Store { return m.Reopen() }
	})
}
