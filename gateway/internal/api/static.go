package api

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
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

// Client downloads: only these platform names exist; the file name is
// chosen from this table, never from the request.
var platforms = map[string]string{
	"linux/amd64":   "tether-client-linux-amd64",
	"linux/arm64":   "tether-client-linux-arm64",
	"darwin/amd64":  "tether-client-darwin-amd64",
	"darwin/arm64":  "tether-client-darwin-arm64",
	"windows/amd64": "tether-client-windows-amd64.exe",
	"windows/arm64": "tether-client-windows-arm64.exe",
}

type downloadJSON struct {
	OS     string `json:"os"`
	Arch   string `json:"arch"`
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

func (a *API) listDownloads(w http.ResponseWriter, r *http.Request) {
	out := []downloadJSON{}
	if a.cfg.DownloadsDir != "" {
		sums := readChecksums(filepath.Join(a.cfg.DownloadsDir, "SHA256SUMS"))
		for plat, file := range platforms {
			st, err := os.Stat(filepath.Join(a.cfg.DownloadsDir, file))
			if err != nil {
				continue
			}
			osName, arch, _ := strings.Cut(plat, "/")
			out = append(out, downloadJSON{OS: osName, Arch: arch, URL: "/download/" + plat, SHA256: sums[file], Size: st.Size()})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) download(w http.ResponseWriter, r *http.Request) {
	file, ok := platforms[r.PathValue("os")+"/"+r.PathValue("arch")]
	if !ok || a.cfg.DownloadsDir == "" {
		writeError(w, http.StatusNotFound, "no client build for that platform")
		return
	}
	f, err := os.Open(filepath.Join(a.cfg.DownloadsDir, file))
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
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	if sum := readChecksums(filepath.Join(a.cfg.DownloadsDir, "SHA256SUMS"))[file]; sum != "" {
		w.Header().Set("X-Tether-SHA256", sum)
	}
	http.ServeContent(w, r, file, st.ModTime(), f)
}

// readChecksums parses a sha256sum-style file into name → hex digest.
func readChecksums(p string) map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile(p)
	if err != nil || len(b) > 1<<20 {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && len(f[0]) == 64 {
			out[strings.TrimPrefix(f[1], "*")] = f[0]
		}
	}
	return out
}
