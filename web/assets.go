package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// assets are the embedded static files, each served under a URL that carries a hash of its
// content, so browsers may keep them for a year and still never see a stale one. The files
// are served from the binary as they are: no copy on the heap. A file's hash is taken the
// first time a page names it, so a start reads none of them (ECharts alone is 1 MB).
type assets struct {
	hash map[string]func() string // name → short hash of its content
}

func loadAssets() (*assets, error) {
	a := &assets{hash: map[string]func() string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		a.hash[strings.TrimPrefix(p, "static/")] = sync.OnceValue(func() string { return hashOf(p) })
		return nil
	})
	return a, err
}

func hashOf(path string) string {
	f, err := staticFS.Open(path)
	if err != nil {
		panic(err) // listed by WalkDir from the same embedded files
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		panic(err)
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// url is the template func `static`: the hashed URL of an embedded file.
func (a *assets) url(name string) string {
	h, ok := a.hash[name]
	if !ok {
		panic("web: no static file " + name) // a typo in a template: fail at first render in tests
	}
	return "/static/" + h() + "/" + name
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	h, ok := a.hash[name]
	if !ok || r.PathValue("hash") != h() {
		http.NotFound(w, r)
		return
	}
	f, err := staticFS.Open("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, time.Time{}, f.(io.ReadSeeker)) // embed's files seek
}
