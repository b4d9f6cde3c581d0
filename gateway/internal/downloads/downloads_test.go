package downloads

import (
	"encoding/binary"
	"testing"
)

// FuzzSignature: no file on the shelf, however malformed, makes the
// listing panic; a state is always one of the three.
func FuzzSignature(f *testing.F) {
	f.Add([]byte("MZ"))
	f.Add([]byte{0xcf, 0xfa, 0xed, 0xfe}) // Mach-O 64 magic
	f.Add(superBlob(1, 0x10000, 20, 0xfade0b01, 100))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, os := range []string{"windows", "darwin", "linux"} {
			s := signature(os, b)
			if s.State != "signed" && s.State != "unsigned" && s.State != "adhoc" || s.Detail == "" {
				t.Fatalf("signature(%s) = %+v", os, s)
			}
		}
		if len(b) >= superBlobHeader {
			hasCMS(b)
		}
	})
}

// superBlob builds a SuperBlob with n index entries of type typ at off,
// and a blob there with magic and length.
func superBlob(n, typ, off, magic, length uint32) []byte {
	b := make([]byte, 40)
	be := binary.BigEndian
	be.PutUint32(b[0:], csMagicSuperBlob)
	be.PutUint32(b[4:], 40)
	be.PutUint32(b[8:], n)
	be.PutUint32(b[12:], typ)
	be.PutUint32(b[16:], off)
	be.PutUint32(b[20:], magic)
	be.PutUint32(b[24:], length)
	return b
}

// TestHasCMS: a signature slot holding a CMS wrapper with content is a
// developer signature; an empty wrapper (what codesign -s - leaves) is not.
func TestHasCMS(t *testing.T) {
	if !hasCMS(superBlob(1, csSlotSignature, 20, csMagicBlobWrap, 100)) {
		t.Error("a CMS blob with content: want signed")
	}
	if hasCMS(superBlob(1, csSlotSignature, 20, csMagicBlobWrap, 8)) {
		t.Error("an empty CMS wrapper: want not signed")
	}
	if hasCMS(superBlob(1, 0, 20, csMagicBlobWrap, 100)) {
		t.Error("a CMS blob in the code directory slot: want not signed")
	}
	if hasCMS(superBlob(1<<30, csSlotSignature, 20, csMagicBlobWrap, 100)) {
		t.Error("an index larger than the blob: want not signed")
	}
}
