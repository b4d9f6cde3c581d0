package recorder

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestVerify(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	content := []byte("{\"version\":2}\n[0.1,\"o\",\"hi\"]\n")
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, sum[:]))
	tests := []struct {
		name     string
		content  []byte
		sha, sig string
		pub      ed25519.PublicKey
		want     Verdict
	}{
		{"signed and intact", content, sha, sig, pub, Verdict{SHA256: sha, Intact: true, Signed: true, SignatureOK: true}},
		{"seal in upper case", content, strings.ToUpper(sha), sig, pub, Verdict{SHA256: sha, Intact: true, Signed: true, SignatureOK: true}},
		{"no key given", content, sha, sig, nil, Verdict{SHA256: sha, Intact: true, Signed: true}},
		{"another key", content, sha, sig, otherPub, Verdict{SHA256: sha, Intact: true, Signed: true}},
		{"unsigned", content, sha, "", pub, Verdict{SHA256: sha, Intact: true}},
		{"not sealed", content, "", "", pub, Verdict{SHA256: sha}},
		{"bad base64", content, sha, "!!", pub, Verdict{SHA256: sha, Intact: true, Signed: true}},
	}
	flipped := bytes.Clone(content)
	flipped[3] ^= 1
	fsum := sha256.Sum256(flipped)
	tests = append(tests, struct {
		name     string
		content  []byte
		sha, sig string
		pub      ed25519.PublicKey
		want     Verdict
	}{"one flipped byte", flipped, sha, sig, pub, Verdict{SHA256: hex.EncodeToString(fsum[:]), Signed: true, SignatureOK: true}})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Verify(bytes.NewReader(tc.content), tc.sha, tc.sig, tc.pub)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
