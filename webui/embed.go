// Package webui embeds the built web console (webui/dist, produced by
// `make build` from the Svelte sources here) into the gateway binary.
// webui/dist is build output and not in git: run `make build` (every make
// target that compiles Go does) before plain `go build` or `go test`.
package webui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built UI, and false when dist has no index.html.
func Dist() (fs.FS, bool) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, false
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil, false
	}
	return sub, true
}
