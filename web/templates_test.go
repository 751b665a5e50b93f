package web

import (
	"guangong"
	"strings"
	"testing"
)

// Every template parses in both languages and every key it uses is in the catalog.
func TestTemplatesParseAndCatalogIsComplete(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{assets: a}
	if err := s.parseTemplates(); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		for _, p := range []string{"auth/login", "auth/totp", "auth/enrol", "auth/password", "home/home",
			"org/tree", "org/search", "org/org", "org/form", "org/move", "org/dissolve",
			"user/list", "user/form", "user/reset", "audit/list", "audit/verify", "settings/settings", "error/error"} {
			if s.pages[lang][p] == nil {
				t.Errorf("%s: page %s missing", lang, p)
			}
		}
	}
}

func TestStatusOfMapsEveryCode(t *testing.T) {
	for code, want := range map[string]int{
		"invalid": 422, "not_found": 404, "conflict": 409, "unauthorized": 401, "forbidden": 403, "locked": 423, "internal": 500,
	} {
		if got := statusOf(errOf(code)); got != want {
			t.Errorf("%s: status %d, want %d", code, got, want)
		}
	}
	if got := statusOf(errString("driver: boom")); got != 500 {
		t.Errorf("foreign error: %d", got)
	}
}

func TestStaticURLsCarryContentHash(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	u := a.url("app.css")
	if !strings.HasPrefix(u, "/static/") || !strings.HasSuffix(u, "/app.css") || u == "/static//app.css" {
		t.Fatalf("url %q", u)
	}
	if a.url("vendor/htmx.min.js") == a.url("vendor/echarts.min.js") {
		t.Fatal("distinct files share a URL")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func errOf(code string) error { return &guangong.Error{Code: code} }
