package api

import (
	"bytes"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"sync"
)

// The document is kept by hand beside the routes: openapi.json holds the core and each
// area's paths and schemas sit in openapi/<area>.json, merged here; openapi_test.go fails
// when the document and the routes drift.
//
//go:embed openapi.json openapi
var openAPIFiles embed.FS

// openAPIDoc is the merged document without a version, for the tests.
func openAPIDoc() []byte { return mustMergeOpenAPI(openAPIFiles, "") }

// mustMergeOpenAPI joins the areas' tags, paths and component schemas into the core
// document. A malformed or doubly defined part is a programming error: it panics at start-up.
func mustMergeOpenAPI(files fs.FS, version string) []byte {
	var doc map[string]any
	core, err := fs.ReadFile(files, "openapi.json")
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(core, &doc); err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	parts, err := fs.Glob(files, "openapi/*.json")
	if err != nil {
		panic(err)
	}
	paths := doc["paths"].(map[string]any)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range parts {
		var part struct {
			Tags       []any          `json:"tags"`
			Paths      map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(b, &part); err != nil {
			panic("api: " + name + ": " + err.Error())
		}
		doc["tags"] = append(doc["tags"].([]any), part.Tags...)
		for k, v := range part.Paths {
			if _, dup := paths[k]; dup {
				panic("api: " + name + ": path defined twice: " + k)
			}
			paths[k] = v
		}
		for k, v := range part.Components.Schemas {
			if _, dup := schemas[k]; dup {
				panic("api: " + name + ": schema defined twice: " + k)
			}
			schemas[k] = v
		}
	}
	if version != "" {
		doc["info"].(map[string]any)["version"] = version
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<token>" in descriptions readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// openAPI serves the document, with info.version set to the running build's version. It is
// merged at the first request for it: merging costs tens of milliseconds and 5 MB of garbage,
// which every start paid (in a package init) for a document few ask for.
func (s *server) openAPI() http.Handler {
	doc := sync.OnceValue(func() []byte { return mustMergeOpenAPI(openAPIFiles, s.version) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(doc())
	})
}
