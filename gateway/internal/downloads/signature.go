package downloads

import (
	"bytes"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
)

// What a build's signature means to the person who runs it.
const (
	detailPESigned   = "Signed with Authenticode: Windows shows the publisher's name. (The gateway checks that a signature is present; Windows checks it when the file is run.)"
	detailPEUnsigned = "Windows SmartScreen may say it protected your PC: choose More info, then Run anyway."
	detailMachoSign  = "Signed with a developer certificate. (The gateway checks that a signature is present; macOS checks it when the file is run.)"
	detailMachoAdhoc = "Ad-hoc signed only: macOS may refuse to open it until the quarantine mark is removed (see the steps)."
	detailMachoNone  = "macOS may refuse to open it until the quarantine mark is removed (see the steps)."
	detailELF        = "Linux programs are usually not signed; if in doubt, compare the SHA-256 with the one your technician reads you."
	detailUnreadable = "The gateway could not read this file's format: ask your technician before you run it."
)

// signature tells from the file's bytes whether it is signed. It does not
// verify signatures: that is the operating system's job when the file runs.
func signature(osName string, b []byte) Signature {
	switch osName {
	case "windows":
		return peSignature(b)
	case "darwin":
		return machoSignature(b)
	}
	return Signature{State: "unsigned", Detail: detailELF}
}

// peSignature: an Authenticode signature lives in the certificate table,
// data directory entry 4 (IMAGE_DIRECTORY_ENTRY_SECURITY).
func peSignature(b []byte) Signature {
	f, err := pe.NewFile(bytes.NewReader(b))
	if err != nil {
		return Signature{State: "unsigned", Detail: detailUnreadable}
	}
	defer f.Close()
	var dir pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		if len(oh.DataDirectory) > pe.IMAGE_DIRECTORY_ENTRY_SECURITY {
			dir = oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_SECURITY]
		}
	case *pe.OptionalHeader32:
		if len(oh.DataDirectory) > pe.IMAGE_DIRECTORY_ENTRY_SECURITY {
			dir = oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_SECURITY]
		}
	}
	// The table's "virtual address" is a file offset; it must lie inside the file.
	if dir.Size >= 8 && uint64(dir.VirtualAddress)+uint64(dir.Size) <= uint64(len(b)) {
		return Signature{State: "signed", Detail: detailPESigned}
	}
	return Signature{State: "unsigned", Detail: detailPEUnsigned}
}

// Mach-O code signature blobs (big-endian, see Apple's cs_blobs.h).
const (
	lcCodeSignature   = 0x1d
	csMagicSuperBlob  = 0xfade0cc0
	csMagicBlobWrap   = 0xfade0b01
	csSlotSignature   = 0x10000
	superBlobHeader   = 12
	superBlobIndexLen = 8
)

// machoSignature: LC_CODE_SIGNATURE points at a SuperBlob; a developer
// signature has a non-empty CMS blob in the signature slot, an ad-hoc one
// (what Go's linker writes for darwin/arm64) has none.
func machoSignature(b []byte) Signature {
	f, err := macho.NewFile(bytes.NewReader(b))
	if err != nil {
		return Signature{State: "unsigned", Detail: detailUnreadable}
	}
	defer f.Close()
	for _, l := range f.Loads {
		raw := l.Raw()
		if len(raw) < 16 || f.ByteOrder.Uint32(raw[0:4]) != lcCodeSignature {
			continue
		}
		off, size := uint64(f.ByteOrder.Uint32(raw[8:12])), uint64(f.ByteOrder.Uint32(raw[12:16]))
		if off+size > uint64(len(b)) || size < superBlobHeader {
			return Signature{State: "unsigned", Detail: detailUnreadable}
		}
		if hasCMS(b[off : off+size]) {
			return Signature{State: "signed", Detail: detailMachoSign}
		}
		return Signature{State: "adhoc", Detail: detailMachoAdhoc}
	}
	return Signature{State: "unsigned", Detail: detailMachoNone}
}

func hasCMS(sb []byte) bool {
	be := binary.BigEndian
	if be.Uint32(sb[0:4]) != csMagicSuperBlob {
		return false
	}
	n := uint64(be.Uint32(sb[8:12]))
	if superBlobHeader+n*superBlobIndexLen > uint64(len(sb)) {
		return false
	}
	for i := uint64(0); i < n; i++ {
		e := sb[superBlobHeader+i*superBlobIndexLen:]
		typ, off := be.Uint32(e[0:4]), uint64(be.Uint32(e[4:8]))
		if typ != csSlotSignature || off+8 > uint64(len(sb)) {
			continue
		}
		// A wrapper blob holding more than its own 8-byte header is a CMS signature.
		if be.Uint32(sb[off:off+4]) == csMagicBlobWrap && be.Uint32(sb[off+4:off+8]) > 8 {
			return true
		}
	}
	return false
}
