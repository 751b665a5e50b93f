package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPIDoc is kept by hand beside the routes; openapi_test.go fails when the two drift.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves the document, with info.version set to the running build's version.
func (s *server) openAPI() http.Handler {
	doc := openAPIDoc
	if s.version != "" {
		var m map[string]any
		if err := json.Unmarshal(openAPIDoc, &m); err == nil {
			if info, ok := m["info"].(map[string]any); ok {
				info["version"] = s.version
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false) // keep "<token>" in descriptions readable
				enc.SetIndent("", "  ")
				if err := enc.Encode(m); err == nil {
					doc = buf.Bytes()
				}
			}
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(doc)
	})
}
