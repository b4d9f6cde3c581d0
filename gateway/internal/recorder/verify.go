package recorder

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
)

// Verdict is what Verify found.
type Verdict struct {
	SHA256      string // of the content as it is, lowercase hex
	Intact      bool   // SHA256 equals the seal's (and the seal has one)
	Signed      bool   // the seal carries a signature
	SignatureOK bool   // that signature verifies over the seal's SHA-256 with the key given
}

// Verify hashes a recording's content (either kind: the seal covers the
// file's exact bytes) and checks it against a seal given as stored
// (sealSHA256 in hex, signature in standard base64, either may be empty).
// The signature is checked when pub is given. The error is for content
// that cannot be read. This is the one check behind both the API's
// recording meta and `tether-gateway recording verify`.
func Verify(content io.Reader, sealSHA256, signature string, pub ed25519.PublicKey) (Verdict, error) {
	var v Verdict
	sum, _, err := SumFile(content)
	if err != nil {
		return v, err
	}
	v.SHA256 = hex.EncodeToString(sum[:])
	v.Intact = sealSHA256 != "" && strings.EqualFold(sealSHA256, v.SHA256)
	v.Signed = signature != ""
	if v.Signed && pub != nil {
		sig, err := base64.StdEncoding.DecodeString(signature)
		sealed, herr := hex.DecodeString(sealSHA256)
		v.SignatureOK = err == nil && herr == nil && ed25519.Verify(pub, sealed, sig)
	}
	return v, nil
}
