package api

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tetherhq/tether/gateway/internal/downloads"
)

const notBuilt = `<!doctype html><meta charset="utf-8"><title>Tether</title>
<p>The web UI is not built into this binary. Run <code>make build</code> (or <code>make run</code>) to build it.
The API is available under <code>/api/v1</code>.</p>`

// static serves the embedded web UI. Paths that are not files get
// index.html, so the single-page app's routes (/tickets/12, /j/CODE) load.
func (a *API) static(w http.ResponseWriter, r *http.Request) {
	if a.cfg.WebUI == nil {
		a.serveIndex(w, r)
		return
	}
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if p != "" && p != "index.html" {
		if st, err := fs.Stat(a.cfg.WebUI, p); err == nil && !st.IsDir() {
			if strings.HasPrefix(p, "assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			http.ServeFileFS(w, r, a.cfg.WebUI, p)
			return
		}
		if path.Ext(p) != "" && strings.HasPrefix(p, "assets/") {
			http.NotFound(w, r)
			return
		}
	}
	a.serveIndex(w, r)
}

func (a *API) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if a.cfg.WebUI != nil {
		if b, err := fs.ReadFile(a.cfg.WebUI, "index.html"); err == nil {
			http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(b))
			return
		}
	}
	w.Write([]byte(notBuilt))
}

// listDownloads lists the client builds present now (see package downloads).
func (a *API) listDownloads(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.shelf.List())
}

// download serves one build. The file comes from the platform table; the
// name the browser saves it under carries the invite code when ?code= is a
// valid code (so the client finds it in its own name), else the plain name.
func (a *API) download(w http.ResponseWriter, r *http.Request) {
	p, ok := downloads.Lookup(r.PathValue("os"), r.PathValue("arch"))
	if !ok {
		writeError(w, http.StatusNotFound, "no client build for that platform")
		return
	}
	f, it, err := a.shelf.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		writeError(w, http.StatusNotFound, "no client build for that platform on this gateway (run make dist)")
		return
	}
	if err != nil {
		a.internal(w, r, "open download", err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		a.internal(w, r, "stat download", err)
		return
	}
	name := downloads.Name(p, r.URL.Query().Get("code"))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Tether-SHA256", it.SHA256)
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, name, st.ModTime(), f)
}
