// Package preset is what a client served by a gateway knows before the
// user types anything: the gateway's address and the pin of its
// certificate, baked in at build time by the operator's `make dist` (or
// `make run`), and the invite code, read from the downloaded file's name.
//
// Trust: the baked address and pin are exactly as trustworthy as the
// binary that carries them (whoever could change them could change the
// code); they are never read from the environment, a file next to the
// binary or the network. The file name carries only the invite code, which
// is not a secret against the gateway and grants nothing without the
// user's consent.
package preset

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/tetherhq/tether/internal/wire"
)

// Set with -ldflags at build time (see the Makefile's dist target):
//
//	-X github.com/tetherhq/tether/client/internal/preset.Gateway=gw.example.com:443
//	-X github.com/tetherhq/tether/client/internal/preset.Pin=<43 chars of base64url SHA-256>
var (
	Gateway string
	Pin     string
)

// ErrNoGateway means the client was built without a gateway (a plain
// `go build` or `make build`): it needs a full join link.
var ErrNoGateway = errors.New("this copy of tether-client does not know a gateway: use the full join link (https://…/j/CODE#sha256=…)")

// Baked returns the gateway address and pin this binary was built with.
func Baked() (addr string, pin []byte, err error) {
	return parseBaked(Gateway, Pin)
}

func parseBaked(gw, pin string) (string, []byte, error) {
	if gw == "" && pin == "" {
		return "", nil, ErrNoGateway
	}
	j, err := wire.ParseJoin(wire.JoinScheme + gw + "/" + strings.Repeat("0", 16) + "#sha256=" + pin)
	if err != nil {
		return "", nil, fmt.Errorf("preset: the gateway baked into this client is malformed (%v): rebuild it with make dist", err)
	}
	if _, _, err := net.SplitHostPort(j.Addr); err != nil {
		return "", nil, fmt.Errorf("preset: bad baked gateway %q", gw)
	}
	return j.Addr, j.Fingerprint, nil
}

// PinString returns pin in the form Pin is baked in.
func PinString(pin []byte) string { return base64.RawURLEncoding.EncodeToString(pin) }

// CodeFromName finds an invite code in an executable's file name, as the
// gateway names downloads (tether-client-K7QF3MZPXW9DHT2A-linux-amd64,
// tether-client-K7QF3MZPXW9DHT2A-windows-amd64.exe) and as browsers may
// rename them ("… (1).exe"). It returns "" when the name holds no code.
func CodeFromName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	tokens := strings.FieldsFunc(name, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	for _, t := range tokens {
		if len(t) != 16 {
			continue
		}
		if c, err := wire.NormalizeCode(t); err == nil {
			return c
		}
	}
	return ""
}

// Resolve turns what the user gave (a full join link or string, or a bare
// invite code read aloud) into a Join. A bare code needs the baked
// gateway; a link needs its own fingerprint, and a link to another gateway
// than the baked one is refused (a pasted link must not redirect a
// preconfigured client).
func Resolve(input string) (wire.Join, error) {
	input = strings.TrimSpace(input)
	if strings.HasPrefix(input, wire.JoinScheme) || strings.HasPrefix(input, "https://") {
		j, err := wire.ParseJoin(input)
		if err != nil {
			return wire.Join{}, err
		}
		if addr, pin, err := Baked(); err == nil {
			if !strings.EqualFold(j.Addr, addr) {
				return wire.Join{}, fmt.Errorf("that link is for %s, but this client belongs to %s: download the client from the link's page", j.Addr, addr)
			}
			if len(j.Fingerprint) == 0 {
				j.Fingerprint = pin
			}
		}
		if len(j.Fingerprint) == 0 {
			return wire.Join{}, errors.New("the join link has no certificate fingerprint (#sha256=...); copy the whole link from your technician")
		}
		return j, nil
	}
	code, err := wire.NormalizeCode(input)
	if err != nil {
		return wire.Join{}, fmt.Errorf("that is not a support code (%v): it has 16 letters and digits, like K7QF-3MZP-XW9D-HT2A", err)
	}
	addr, pin, err := Baked()
	if err != nil {
		return wire.Join{}, err
	}
	return wire.Join{Addr: addr, Code: code, Fingerprint: pin}, nil
}
